"""The RAG API, /v1/embeddings, the chat step and the CLI, through a real `paramstack serve` process."""

from __future__ import annotations

import base64
import json

import httpx
import numpy as np
import openai
import pytest

from tests.gateway_process import start_gateway, tiny_model_config
from tests.rag.documents import HTML_PAGE, MARKDOWN_GUIDE, make_pdf

MAX_DOCUMENT_BYTES = 50_000


@pytest.fixture(scope="module")
def gateway(tiny_model, tmp_path_factory):
    model_dir, adapters_dir = tiny_model
    # The tiny test model reads 512 tokens: keep the sources in the prompt short.
    config = tiny_model_config(
        model_dir, adapters_dir, rag={"max_context_chars": 160, "max_document_bytes": MAX_DOCUMENT_BYTES}
    )
    server = start_gateway(tmp_path_factory.mktemp("rag-gateway"), config)
    yield server
    server.stop()


class Tenant:
    def __init__(self, gateway, org_id: str) -> None:
        self.http = httpx.Client(
            base_url=gateway.root_url, timeout=120, headers={"authorization": f"Bearer {gateway.key(org_id)}"}
        )

    def ingest(self, collection: str, doc_id: str, **body) -> httpx.Response:
        return self.http.post(f"/v1/rag/collections/{collection}/documents", json={"id": doc_id, **body})

    def search(self, collection: str, query: str, **options) -> httpx.Response:
        return self.http.post(f"/v1/rag/collections/{collection}/search", json={"query": query, **options})

    def documents(self, collection: str) -> httpx.Response:
        return self.http.get(f"/v1/rag/collections/{collection}/documents")


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["code"] == code, error


def test_tenants_cannot_reach_each_others_collections(gateway):
    medical, legal = Tenant(gateway, "org_medical"), Tenant(gateway, "org_legal")
    created = medical.ingest("medical_knowledge", "triage.md", text="# Triage\n\nChest pain goes first, always.")
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "created"

    for response in (
        legal.documents("medical_knowledge"),
        legal.search("medical_knowledge", "chest pain"),
        legal.http.delete("/v1/rag/collections/medical_knowledge/documents/triage.md"),
        legal.http.delete("/v1/rag/collections/medical_knowledge"),
    ):
        assert_error(response, 404, "collection_not_found")
    assert "medical_knowledge" not in [c["id"] for c in legal.http.get("/v1/rag/collections").json()["data"]]

    # The same name is the other tenant's own, separate collection.
    assert legal.ingest("medical_knowledge", "x.md", text="Contracts need two signatures.").status_code == 201
    assert [h["document"] for h in legal.search("medical_knowledge", "chest pain").json()["hits"]] == ["x.md"]
    assert [h["document"] for h in medical.search("medical_knowledge", "chest pain").json()["hits"]] == ["triage.md"]
    assert legal.http.delete("/v1/rag/collections/medical_knowledge").status_code == 200
    assert medical.documents("medical_knowledge").json()["data"][0]["id"] == "triage.md"
    assert_error(httpx.get(f"{gateway.root_url}/v1/rag/collections"), 401, "missing_api_key")


def test_reingest_replaces_and_delete_removes(gateway):
    tenant = Tenant(gateway, "org_legal")
    assert tenant.ingest("legal_corpus", "fees.md", text="# Fees\n\nThe filing fee is 100 lira.").status_code == 201
    same = tenant.ingest("legal_corpus", "fees.md", text="# Fees\n\nThe filing fee is 100 lira.")
    assert (same.status_code, same.json()["status"]) == (200, "unchanged")
    changed = tenant.ingest("legal_corpus", "fees.md", text="# Fees\n\nThe filing fee is 250 lira since June.")
    assert (changed.status_code, changed.json()["status"]) == (200, "replaced")
    hits = tenant.search("legal_corpus", "filing fee").json()["hits"]
    assert [h["text"] for h in hits if h["document"] == "fees.md"] == ["Fees\nThe filing fee is 250 lira since June."]
    assert tenant.search("legal_corpus", "100", mode="keyword").json()["hits"] == []
    [listed] = [d for d in tenant.documents("legal_corpus").json()["data"] if d["id"] == "fees.md"]
    assert (listed["sha256"], listed["chunks"]) == (changed.json()["sha256"], 1)

    assert (
        tenant.http.delete("/v1/rag/collections/legal_corpus/documents", params={"id": "fees.md"}).json()["deleted"]
        is True
    )
    assert_error(tenant.http.delete("/v1/rag/collections/legal_corpus/documents/fees.md"), 404, "document_not_found")


def test_chat_answer_sources_point_at_the_retrieved_chunk(gateway):
    tenant = Tenant(gateway, "org_ailydian")
    guide = (
        "# Office\n\n## Parking\n\nVisitors park in the blue garage on level two.\n\n"
        "## Lunch\n\nThe canteen serves lunch from noon until two.\n\n"
        "## Wifi\n\nThe guest wifi network is called ailydian-guest."
    )
    assert tenant.ingest("ailydian_docs", "office.md", text=guide, format="markdown").status_code == 201
    chunks = {h["chunk"]: h["text"] for h in tenant.search("ailydian_docs", "office", top_k=10).json()["hits"]}
    wifi_chunk = next(index for index, text in chunks.items() if "ailydian-guest" in text)

    def chat(rag: bool, stream: bool = False) -> httpx.Response:
        return tenant.http.post(
            "/v1/chat/completions",
            json={
                "model": "paramstack-tiny",
                "max_tokens": 4,
                "temperature": 0,
                "rag": rag,
                "stream": stream,
                "messages": [{"role": "user", "content": "What is the guest wifi network called?"}],
            },
        )

    with_rag, without = chat(True), chat(False)
    assert with_rag.status_code == 200, with_rag.text
    sources = with_rag.json()["sources"]
    assert sources[0]["document"] == "office.md" and sources[0]["chunk"] == wifi_chunk
    assert 0 < sources[0]["score"] <= 1
    assert "sources" not in without.json()
    # The chunks really went into the prompt.
    assert with_rag.json()["usage"]["prompt_tokens"] > without.json()["usage"]["prompt_tokens"]

    streamed = chat(True, stream=True)
    events = [
        json.loads(line[6:])
        for line in streamed.text.splitlines()
        if line.startswith("data: ") and line != "data: [DONE]"
    ]
    assert [e["sources"] for e in events if "sources" in e] == [sources]

    metrics = httpx.get(gateway.metrics_url).text
    assert 'paramstack_rag_retrieval_duration_seconds_count{mode="hybrid",tenant="org_ailydian"}' in metrics


def test_a_tenant_with_rag_by_default_gets_sources_from_the_unmodified_openai_client(gateway):
    """`tenants add --rag-by-default`: retrieval without the "rag" extension field; "rag": false opts out."""
    added = gateway.cli(
        "tenants",
        "add",
        "org_handbook",
        "--name",
        "Handbook",
        "--rag-collection",
        "handbook",
        "--rag-by-default",
        "--json",
    )
    assert added.returncode == 0 and json.loads(added.stdout)["rag_by_default"] is True, added.stderr
    key = json.loads(gateway.cli("keys", "create", "--tenant", "org_handbook", "--json").stdout)["api_key"]
    http = httpx.Client(base_url=gateway.root_url, timeout=120, headers={"authorization": f"Bearer {key}"})
    assert (
        http.post(
            "/v1/rag/collections/handbook/documents",
            json={"id": "leave.md", "text": "# Leave\n\nEvery employee has twenty days of paid leave a year."},
        ).status_code
        == 201
    )
    client = openai.OpenAI(base_url=gateway.base_url, api_key=key, max_retries=0)

    def sources(**extra) -> list[dict] | None:
        reply = client.chat.completions.create(
            model="paramstack-tiny",
            max_tokens=4,
            temperature=0,
            **extra,
            messages=[{"role": "user", "content": "How many days of paid leave?"}],
        )
        return (reply.model_extra or {}).get("sources")

    assert [s["document"] for s in sources()] == ["leave.md"]
    assert sources(extra_body={"rag": False}) is None

    admin = httpx.Client(base_url=gateway.root_url, headers={"authorization": f"Bearer {gateway.admin_key}"})
    assert_error(admin.patch("/admin/tenants/org_handbook", json={"rag_collection": None}), 400, "invalid_request")
    assert admin.patch("/admin/tenants/org_handbook", json={"rag_by_default": False}).json()["rag_by_default"] is False
    assert sources() is None  # back to asking per request
    assert [s["document"] for s in sources(extra_body={"rag": True})] == ["leave.md"]


def test_pdf_and_html_uploads_and_bad_files(gateway):
    tenant = Tenant(gateway, "org_medical")
    pdf = make_pdf([["Dosage guide", "Adults take one tablet every eight hours."]], title="Dosage")
    uploaded = tenant.ingest("uploads", "dosage.pdf", data=base64.b64encode(pdf).decode())
    assert uploaded.status_code == 201 and uploaded.json()["format"] == "pdf"
    assert tenant.ingest("uploads", "clinic.html", text=HTML_PAGE).json()["format"] == "html"
    assert tenant.ingest("uploads", "guide", text=MARKDOWN_GUIDE, format="markdown").status_code == 201
    assert tenant.search("uploads", "how often do adults take the tablet").json()["hits"][0]["document"] == "dosage.pdf"
    assert tenant.search("uploads", "flu vaccine months").json()["hits"][0]["document"] == "clinic.html"

    def encoded(data: bytes) -> str:
        return base64.b64encode(data).decode()

    assert_error(tenant.ingest("uploads", "broken.pdf", data=encoded(b"%PDF-1.5 broken")), 400, "corrupt_document")
    assert_error(tenant.ingest("uploads", "report.docx", data=encoded(b"PK\x03\x04")), 400, "unsupported_format")
    assert_error(tenant.ingest("uploads", "empty.md", text="  \n"), 400, "empty_document")
    assert_error(tenant.ingest("uploads", "big.txt", text="word " * MAX_DOCUMENT_BYTES), 413, "document_too_large")
    assert_error(tenant.ingest("uploads", "x.pdf", data="not base64!"), 400, "invalid_value")
    assert_error(tenant.ingest("uploads", "x.txt", text="a", data="YQ=="), 400, "invalid_value")
    assert_error(
        tenant.http.post("/v1/rag/collections/bad%20name/documents", json={"id": "a", "text": "b"}),
        400,
        "invalid_collection",
    )
    assert sorted(d["id"] for d in tenant.documents("uploads").json()["data"]) == ["clinic.html", "dosage.pdf", "guide"]


def test_embeddings_endpoint_speaks_openai(gateway):
    client = openai.OpenAI(base_url=gateway.base_url, api_key=gateway.key("org_medical"), max_retries=0)
    result = client.embeddings.create(model="all-MiniLM-L6-v2", input=["chest pain", "göğüs ağrısı"])  # base64
    assert [len(item.embedding) for item in result.data] == [384, 384]
    assert np.linalg.norm(result.data[0].embedding) == pytest.approx(1.0, abs=1e-3)
    assert result.usage.prompt_tokens > 4 and result.model == "all-MiniLM-L6-v2"
    single = client.embeddings.create(model="all-MiniLM-L6-v2", input="chest pain", encoding_format="float")
    assert np.allclose(single.data[0].embedding, result.data[0].embedding, atol=1e-5)
    with pytest.raises(openai.NotFoundError):
        client.embeddings.create(model="text-embedding-3-small", input="x")
    with pytest.raises(openai.BadRequestError):
        client.embeddings.create(model="all-MiniLM-L6-v2", input=[[1, 2, 3]])
    with pytest.raises(openai.BadRequestError):
        client.embeddings.create(model="all-MiniLM-L6-v2", input="")


def test_cli_ingest_search_list_delete_against_the_running_gateway(gateway, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "appeal.md").write_text("# Appeals\n\nAn appeal must be filed within fourteen days.", encoding="utf-8")
    (folder / "notes.txt").write_text("Court hearings start at nine.", encoding="utf-8")
    ingested = gateway.cli("rag", "ingest", str(folder), "--tenant", "org_legal", "--json")
    assert ingested.returncode == 0, ingested.stderr
    assert {d["document"]: d["status"] for d in json.loads(ingested.stdout)["documents"]} == {
        "appeal.md": "created",
        "notes.txt": "created",
    }

    searched = gateway.cli(
        "rag", "search", "deadline for an appeal", "--tenant", "org_legal", "--collection", "legal_corpus", "--json"
    )
    assert searched.returncode == 0, searched.stderr
    hits = json.loads(searched.stdout)["hits"]
    assert set(hits[0]) == {"document", "chunk", "score", "text"} and hits[0]["document"] == "appeal.md"

    # The running gateway sees what the CLI wrote (its index syncs on the collection's generation).
    api_hits = Tenant(gateway, "org_legal").search("legal_corpus", "deadline for an appeal").json()["hits"]
    assert api_hits[0]["document"] == "appeal.md"

    listed = gateway.cli("rag", "list", "--tenant", "org_legal", "--collection", "legal_corpus", "--json")
    assert {"appeal.md", "notes.txt"} <= {d["id"] for d in json.loads(listed.stdout)["documents"]}
    deleted = gateway.cli(
        "rag", "delete", "--tenant", "org_legal", "--collection", "legal_corpus", "--document", "notes.txt", "--json"
    )
    assert deleted.returncode == 0 and json.loads(deleted.stdout)["deleted"] is True

    for args in (
        ("ingest", str(tmp_path / "missing.pdf"), "--tenant", "org_legal"),
        ("list", "--tenant", "org_nobody"),
        ("delete", "--tenant", "org_legal", "--collection", "legal_corpus"),
        ("list", "--tenant", "org_medical", "--collection", "legal_corpus"),
    ):
        failed = gateway.cli("rag", *args)
        assert failed.returncode == 2, (args, failed.stdout, failed.stderr)
        assert failed.stderr.startswith("error: ") and failed.stderr.count("\n") == 1, failed.stderr


def test_embeddings_are_metered_like_completions(gateway):
    """Limits, quota and the ledger cover /v1/embeddings: a tenant cannot embed for free or without limit."""
    added = gateway.cli(
        "tenants", "add", "org_embedder", "--name", "Embedder", "--rpm", "2", "--daily-tokens", "100000", "--json"
    )
    assert added.returncode == 0, added.stderr
    created = gateway.cli("keys", "create", "--tenant", "org_embedder", "--json")
    client = openai.OpenAI(base_url=gateway.base_url, api_key=json.loads(created.stdout)["api_key"], max_retries=0)
    reported = 0
    for text in (["chest pain", "göğüs ağrısı"], "a third input"):
        raw = client.embeddings.with_raw_response.create(model="all-MiniLM-L6-v2", input=text)
        assert raw.headers["x-ratelimit-limit-requests"] == "2"
        reported += raw.parse().usage.prompt_tokens
    with pytest.raises(openai.RateLimitError) as refused:  # the tenant's RPM holds for embeddings too
        client.embeddings.create(model="all-MiniLM-L6-v2", input="one too many")
    assert int(refused.value.response.headers["retry-after"]) >= 1

    usage = gateway.cli("usage", "--tenant", "org_embedder", "--by", "model", "--json")
    assert usage.returncode == 0, usage.stderr
    rows = json.loads(usage.stdout)["rows"]
    assert [(r["model"], r["requests"], r["prompt_tokens"], r["completion_tokens"]) for r in rows] == [
        ("all-MiniLM-L6-v2", 2, reported, 0)
    ]  # billed what the responses reported, refusals not at all
