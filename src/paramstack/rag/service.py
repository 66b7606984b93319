"""The RAG room's one entry point for the gateway routes, the retrieval step and the CLI.

ingest: bytes -> parse -> (scrub) -> chunk -> embed -> one atomic replace in the store.
search: query -> vector candidates + keyword candidates -> reciprocal rank fusion -> top k hits.
Every method is tenant-scoped and blocking (async callers use a worker thread).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import numpy as np
from sqlalchemy.engine import Engine

from paramstack.errors import InvalidRequest
from paramstack.rag.analyzer import index_terms, query_terms
from paramstack.rag.chunking import chunk_sections
from paramstack.rag.embedders.protocol import Embedder, Embeddings
from paramstack.rag.fusion import Fused, reciprocal_rank_fusion
from paramstack.rag.injection import ChunkGuard
from paramstack.rag.metrics import RagMetrics
from paramstack.rag.models import (
    Candidate,
    ChunkRecord,
    CollectionInfo,
    DocumentInfo,
    DocumentRecord,
    Hit,
    IngestResult,
    SearchMode,
    check_collection_name,
    check_document_id,
)
from paramstack.rag.parsing import parse_document
from paramstack.rag.parsing.detect import EXTENSIONS
from paramstack.rag.scrub import Scrubber
from paramstack.rag.settings import RagSettings
from paramstack.rag.stores.protocol import VectorStore

MAX_QUERY_CHARS = 4000
TORN_READ_RETRIES = 3


@dataclass
class RagService:
    store: VectorStore
    embedder: Embedder
    settings: RagSettings
    metrics: RagMetrics
    scrubber: Scrubber | None = None
    chunk_guard: ChunkGuard | None = None  # poisoned-chunk check at ingest (settings.check_injection)
    owned_engine: Engine | None = None  # the store's own database engine, if it opened one

    # ----- ingest --------------------------------------------------------------------------------------

    def ingest(
        self,
        org_id: str,
        collection: str,
        document: str,
        data: bytes,
        *,
        filename: str | None = None,
        media_type: str | None = None,
        metadata: dict[str, Any] | None = None,
        scrub_pii: bool | None = None,
    ) -> IngestResult:
        started = time.perf_counter()
        check_collection_name(collection)
        check_document_id(document)
        scrub = self.settings.scrub_pii if scrub_pii is None else scrub_pii
        # The digest covers what decides the chunks, so changing the scrub choice re-indexes the document.
        guard = self.chunk_guard if self.settings.check_injection else None
        sha256 = hashlib.sha256(
            data + (b"\x00scrubbed" if scrub else b"") + (b"\x00injection-checked" if guard is not None else b"")
        ).hexdigest()
        # A document id may look like a file name ("guide.md"): a known extension is a hint, any other
        # suffix ("v1.2") is just part of the id and the content is sniffed instead.
        hint = document if PurePosixPath(document).suffix.lower() in EXTENSIONS else None
        parsed = parse_document(
            data, filename=filename or hint, media_type=media_type, max_bytes=self.settings.max_document_bytes
        )
        if self.store.document_sha256(org_id, collection, document) == sha256:
            return IngestResult(
                collection,
                document,
                "unchanged",
                self._chunk_count(org_id, collection, document),
                sha256,
                parsed.media_type,
            )
        chunks = chunk_sections(parsed.sections, self.settings.chunk_chars, self.settings.chunk_overlap_chars)
        if len(chunks) > self.settings.max_chunks_per_document:
            raise InvalidRequest(
                f"the document makes {len(chunks):,} chunks; at most "
                f"{self.settings.max_chunks_per_document:,} are allowed per document",
                param="document",
                code="document_too_large",
            )
        masked = 0
        texts = [chunk.text for chunk in chunks]
        if scrub:
            if self.scrubber is None:
                raise InvalidRequest("PII scrubbing is not available on this server", code="scrub_unavailable")
            scrubbed = [self.scrubber.scrub(text) for text in texts]
            texts = [text for text, _ in scrubbed]
            masked = sum(count for _, count in scrubbed)
        flagged: list[int] = []
        findings: set[str] = set()
        if guard is not None:  # before embedding: a refused document costs no embedding work
            verdicts = [guard.check(text) for text in texts]
            texts = [verdict.text for verdict in verdicts]
            flagged = [chunk.index for chunk, verdict in zip(chunks, verdicts, strict=True) if verdict.flagged]
            findings = {finding for verdict in verdicts for finding in verdict.findings}
        if flagged:
            metadata = {
                **(metadata or {}),
                "guard": {"injection_flagged_chunks": flagged, "findings": sorted(findings)},
            }
        embeddings = self.embedder.embed(texts)
        records = [
            ChunkRecord(chunk.index, chunk.heading, text, index_terms(text), vector)
            for chunk, text, vector in zip(chunks, texts, embeddings.vectors, strict=True)
        ]
        record = DocumentRecord(document, sha256, parsed.media_type, parsed.title, len(data), metadata or {})
        status = self.store.replace_document(org_id, collection, self.embedder.name, record, records)
        if status != "unchanged":
            self.metrics.ingested_chunks.labels(org_id).inc(len(records))
        self.metrics.ingest_duration.labels(org_id).observe(time.perf_counter() - started)
        return IngestResult(
            collection, document, status, len(records), sha256, parsed.media_type, masked, tuple(flagged)
        )

    # ----- search --------------------------------------------------------------------------------------

    def search(
        self, org_id: str, collection: str, query: str, *, top_k: int | None = None, mode: SearchMode = "hybrid"
    ) -> list[Hit]:
        started = time.perf_counter()
        info = self.store.collection(org_id, check_collection_name(collection))
        query = query.strip()
        if not query:
            raise InvalidRequest("query must not be empty", param="query", code="empty_query")
        if len(query) > MAX_QUERY_CHARS:
            raise InvalidRequest(
                f"query is {len(query)} characters; at most {MAX_QUERY_CHARS} are allowed", param="query"
            )
        top_k = top_k or self.settings.top_k
        candidates = max(self.settings.candidates, top_k)
        vector = None
        if mode in ("hybrid", "vector"):
            vector = self.embedder.embed([query]).vectors[0]
            if vector.shape[0] != info.dims:
                raise InvalidRequest(
                    f"collection {collection!r} holds {info.dims}-dimensional vectors; the query "
                    f"embedding has {vector.shape[0]}",
                    code="embedding_model_mismatch",
                )
        for _ in range(TORN_READ_RETRIES):
            fused = self._ranked(info, query, vector, mode, candidates)[:top_k]
            stored = self.store.chunks(info, [f.chunk_id for f in fused])
            if len(stored) == len(fused):
                break
            # A document was replaced between ranking and reading its chunks: rank again on the new state.
        hits = [
            Hit(
                stored[f.chunk_id].document,
                stored[f.chunk_id].chunk,
                f.score,
                stored[f.chunk_id].text,
                stored[f.chunk_id].heading,
                f.scores.get("vector"),
                f.scores.get("keyword"),
            )
            for f in fused
            if f.chunk_id in stored
        ]
        self.metrics.retrieval_duration.labels(org_id, mode).observe(time.perf_counter() - started)
        return hits

    def _ranked(
        self, info: CollectionInfo, query: str, vector: np.ndarray | None, mode: SearchMode, candidates: int
    ) -> list[Fused]:
        rankings: dict[str, list[Candidate]] = {}
        if vector is not None:
            rankings["vector"] = self.store.vector_search(info, vector, candidates)
        if mode in ("hybrid", "keyword"):
            rankings["keyword"] = self.store.keyword_search(info, query_terms(query), candidates)
        return reciprocal_rank_fusion(rankings)

    # ----- the rest ------------------------------------------------------------------------------------

    def embed(self, texts: Sequence[str]) -> Embeddings:
        return self.embedder.embed(texts)

    def collection(self, org_id: str, collection: str) -> CollectionInfo:
        return self.store.collection(org_id, check_collection_name(collection))

    def list_collections(self, org_id: str) -> list[CollectionInfo]:
        return self.store.list_collections(org_id)

    def list_documents(self, org_id: str, collection: str) -> list[DocumentInfo]:
        return self.store.list_documents(org_id, check_collection_name(collection))

    def delete_document(self, org_id: str, collection: str, document: str) -> None:
        self.store.delete_document(org_id, check_collection_name(collection), document)

    def delete_collection(self, org_id: str, collection: str) -> None:
        self.store.delete_collection(org_id, check_collection_name(collection))

    def close(self) -> None:
        self.store.close()
        if self.owned_engine is not None:
            self.owned_engine.dispose()

    def _chunk_count(self, org_id: str, collection: str, document: str) -> int:
        found = [d for d in self.store.list_documents(org_id, collection) if d.document == document]
        return found[0].chunks if found else 0
