"""One contract for every VectorStore backend: embedded (SQLite, PostgreSQL) and pgvector.

Vectors are made here (the stores take vectors; the embedding model is tested elsewhere), so each test
says exactly which chunk must come back.
"""

from __future__ import annotations

import threading
import uuid

import numpy as np
import pytest

from paramstack.errors import Conflict, NotFound
from paramstack.rag.analyzer import index_terms, query_terms
from paramstack.rag.models import ChunkRecord, DocumentRecord

DIMS = 16


def unit(vectors: np.ndarray) -> np.ndarray:
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def records(texts: list[str], vectors: np.ndarray) -> list[ChunkRecord]:
    return [ChunkRecord(i, "Heading", text, index_terms(text), vectors[i]) for i, text in enumerate(texts)]


def document(doc_id: str, sha: str) -> DocumentRecord:
    return DocumentRecord(doc_id, sha, "text", doc_id, 100, {"source": "test"})


def put(
    store,
    org: str,
    doc: str,
    sha: str,
    texts: list[str],
    vectors: np.ndarray | None = None,
    *,
    collection: str = "docs",
    model: str = "m",
    dims: int = DIMS,
    seed: int = 0,
) -> str:
    if vectors is None:
        vectors = unit(np.random.default_rng(seed).standard_normal((len(texts), dims)))
    return store.replace_document(org, collection, model, document(doc, sha), records(texts, vectors))


@pytest.fixture
def org() -> str:
    return f"org_{uuid.uuid4().hex[:10]}"


def texts_of(store, collection, candidates) -> list[str]:
    found = store.chunks(collection, [c.chunk_id for c in candidates])
    return [found[c.chunk_id].text for c in candidates if c.chunk_id in found]


def test_ingest_search_and_nearest_neighbours_match_brute_force(store, org):
    rng = np.random.default_rng(1)
    vectors = unit(rng.standard_normal((300, DIMS)))
    texts = [f"chunk number {i} about topic{i % 7}" for i in range(300)]
    assert (
        store.replace_document(org, "docs", "test-model", document("a.txt", "v1"), records(texts, vectors)) == "created"
    )
    collection = store.collection(org, "docs")
    assert (collection.dims, collection.embedder) == (DIMS, "test-model")
    query = unit(rng.standard_normal((20, DIMS)))
    exact = np.argsort(-(query @ vectors.T), axis=1)[:, :10]
    recall = []
    for q, truth in zip(query, exact, strict=True):
        found = store.vector_search(collection, q, 10)
        assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)
        chunk_numbers = {int(t.split()[2]) for t in texts_of(store, collection, found)}
        recall.append(len(chunk_numbers & set(truth.tolist())) / 10)
    assert np.mean(recall) >= 0.95


def test_keyword_search_ranks_matching_chunks(store, org):
    texts = [
        "Sözleşmenin feshi için yazılı bildirim gerekir.",
        "Kira bedeli her ay ödenir.",
        "The warranty covers parts and labour.",
        "İşçinin kıdem tazminatı hakkı vardır.",
    ]
    put(store, org, "law.md", "v1", texts, collection="legal")
    collection = store.collection(org, "legal")
    # Inflected and diacritic-free spellings find the chunk: "sozlesmeler" ~ "Sözleşmenin", "feshedilmesi" ~ "feshi".
    found = store.keyword_search(collection, query_terms("sozlesmeler nasil feshedilir"), 5)
    assert texts_of(store, collection, found)[0] == texts[0]
    assert texts_of(store, collection, store.keyword_search(collection, query_terms("warranty"), 5)) == [texts[2]]
    assert store.keyword_search(collection, query_terms("nothing matches zzzz"), 5) == []


def test_reingest_replaces_chunks_and_unchanged_is_a_no_op(store, org):
    rng = np.random.default_rng(3)
    old = unit(rng.standard_normal((5, DIMS)))
    put(store, org, "guide.md", "v1", [f"old alpha {i}" for i in range(5)], old)
    collection = store.collection(org, "docs")
    assert store.document_sha256(org, "docs", "guide.md") == "v1"
    assert put(store, org, "guide.md", "v1", [f"old alpha {i}" for i in range(5)], old) == "unchanged"
    new = unit(rng.standard_normal((2, DIMS)))
    assert (
        store.replace_document(org, "docs", "m", document("guide.md", "v2"), records(["new beta 0", "new beta 1"], new))
        == "replaced"
    )
    hits = texts_of(store, collection, store.vector_search(collection, old[0], 10))
    assert sorted(hits) == ["new beta 0", "new beta 1"]
    assert store.keyword_search(collection, ["alpha"], 10) == []
    assert len(store.keyword_search(collection, ["beta"], 10)) == 2
    [info] = store.list_documents(org, "docs")
    assert (info.document, info.sha256, info.chunks, info.metadata) == ("guide.md", "v2", 2, {"source": "test"})


def test_readers_see_the_old_or_the_new_document_never_a_mix(store, org):
    rng = np.random.default_rng(4)
    vectors = unit(rng.standard_normal((40, DIMS)))
    store.replace_document(org, "docs", "m", document("d", "v0"), records(["version0"] * 40, vectors))
    collection = store.collection(org, "docs")
    seen: list[set[str]] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            found = store.vector_search(collection, vectors[0], 40)
            chunks = store.chunks(collection, [c.chunk_id for c in found])
            if len(chunks) == len(found):  # a read torn by a commit in between is retried by the service
                seen.append({chunk.text for chunk in chunks.values()})
                reading.set()

    reading = threading.Event()
    reader = threading.Thread(target=read)
    reader.start()
    assert reading.wait(30)
    for version in range(1, 8):
        put(store, org, "d", f"v{version}", [f"version{version}"] * 40, vectors)
    stop.set()
    reader.join()
    assert all(len(versions) == 1 for versions in seen), "a reader saw no chunks or two versions at once"
    final = store.vector_search(collection, vectors[0], 40)
    assert {chunk.text for chunk in store.chunks(collection, [c.chunk_id for c in final]).values()} == {"version7"}


def test_a_failed_replace_leaves_the_old_chunks(store, org):
    rng = np.random.default_rng(5)
    vectors = unit(rng.standard_normal((1500, DIMS)))
    store.replace_document(org, "docs", "m", document("d", "v1"), records(["kept"] * 3, vectors[:3]))
    collection = store.collection(org, "docs")
    broken = records(["new"] * 1500, vectors)
    broken[1200] = ChunkRecord(1200, "h", None, "x", vectors[1200])  # type: ignore[arg-type]  # NOT NULL fails mid-way
    with pytest.raises(Exception):  # noqa: B017 - the database's own integrity error
        store.replace_document(org, "docs", "m", document("d", "v2"), broken)
    assert texts_of(store, collection, store.vector_search(collection, vectors[0], 10)) == ["kept"] * 3
    assert store.document_sha256(org, "docs", "d") == "v1"


def test_a_failed_first_ingest_leaves_no_empty_collection(store, org):
    vectors = unit(np.random.default_rng(6).standard_normal((2, DIMS)))
    broken = [ChunkRecord(0, "h", None, "x", vectors[0])]  # type: ignore[arg-type]
    with pytest.raises(Exception):  # noqa: B017
        store.replace_document(org, "fresh", "m", document("d", "v1"), broken)
    assert store.list_collections(org) == []


def test_collections_are_private_to_their_tenant(store, org):
    other = f"{org}_other"
    put(store, org, "mine", "1", ["secret of a"], collection="shared_name")
    with pytest.raises(NotFound):
        store.collection(other, "shared_name")
    with pytest.raises(NotFound):
        store.list_documents(other, "shared_name")
    with pytest.raises(NotFound):
        store.delete_document(other, "shared_name", "mine")
    with pytest.raises(NotFound):
        store.delete_collection(other, "shared_name")
    # The same name is a separate collection for the other tenant.
    put(store, other, "theirs", "1", ["secret of b"], collection="shared_name")
    mine, theirs = store.collection(org, "shared_name"), store.collection(other, "shared_name")
    assert mine.id != theirs.id
    assert texts_of(store, theirs, store.keyword_search(theirs, ["secre"], 10)) == ["secret of b"]
    assert texts_of(store, mine, store.keyword_search(mine, ["secre"], 10)) == ["secret of a"]
    assert store.chunks(theirs, [c.chunk_id for c in store.keyword_search(mine, ["secre"], 10)]) == {}
    assert [c.name for c in store.list_collections(org)] == ["shared_name"]


def test_delete_document_and_collection(store, org):
    rng = np.random.default_rng(8)
    for name in ("one", "two"):
        put(store, org, name, "1", [f"text {name}"])
    collection = store.collection(org, "docs")
    store.delete_document(org, "docs", "one")
    assert [d.document for d in store.list_documents(org, "docs")] == ["two"]
    query = rng.standard_normal(DIMS).astype(np.float32)
    assert texts_of(store, collection, store.vector_search(collection, query, 5)) == ["text two"]
    with pytest.raises(NotFound):
        store.delete_document(org, "docs", "one")
    store.delete_collection(org, "docs")
    with pytest.raises(NotFound):
        store.collection(org, "docs")
    assert store.vector_search(collection, query, 5) == []


def test_vectors_of_another_model_are_refused(store, org):
    put(store, org, "d1", "1", ["x"], model="model-a")
    with pytest.raises(Conflict):
        put(store, org, "d2", "1", ["y"], model="model-b")
    with pytest.raises(Conflict):
        put(store, org, "d2", "1", ["y"], model="model-a", dims=DIMS * 2)
    assert [d.document for d in store.list_documents(org, "docs")] == ["d1"]
