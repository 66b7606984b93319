"""The one interface of RAG storage. Every method is scoped by the tenant (``org_id``): a collection of
another tenant is indistinguishable from one that does not exist (``NotFound``).

Methods block (database and index work): async callers run them in a worker thread.
"""

from __future__ import annotations

from typing import Literal, Protocol

import numpy as np

from paramstack.rag.models import Candidate, ChunkRecord, CollectionInfo, DocumentInfo, DocumentRecord, StoredChunk

ReplaceStatus = Literal["created", "replaced", "unchanged"]


class VectorStore(Protocol):
    @property
    def backend(self) -> str:
        """'embedded' or 'pgvector' (metrics label, CLI output)."""
        ...

    def collection(self, org_id: str, name: str) -> CollectionInfo:
        """Raise NotFound when the tenant has no such collection."""
        ...

    def list_collections(self, org_id: str) -> list[CollectionInfo]: ...

    def document_sha256(self, org_id: str, name: str, document: str) -> str | None:
        """The stored content digest of a document (None if absent): lets ingest skip unchanged files."""
        ...

    def replace_document(
        self, org_id: str, name: str, embedder: str, document: DocumentRecord, chunks: list[ChunkRecord]
    ) -> ReplaceStatus:
        """Create the collection if needed and make ``chunks`` the document's only chunks, atomically:
        a reader sees the old chunks or the new ones, never a mix and never none in between.
        Raises Conflict when the collection was built with another embedding model or dimension."""
        ...

    def list_documents(self, org_id: str, name: str) -> list[DocumentInfo]: ...

    def delete_document(self, org_id: str, name: str, document: str) -> None: ...

    def delete_collection(self, org_id: str, name: str) -> None: ...

    def vector_search(self, collection: CollectionInfo, vector: np.ndarray, k: int) -> list[Candidate]:
        """Nearest chunks by cosine similarity (score = cosine, best first)."""
        ...

    def keyword_search(self, collection: CollectionInfo, terms: list[str], k: int) -> list[Candidate]:
        """Chunks matching any of the analysed ``terms``, best (BM25 / ts_rank) first."""
        ...

    def chunks(self, collection: CollectionInfo, ids: list[int]) -> dict[int, StoredChunk]: ...

    def close(self) -> None: ...
