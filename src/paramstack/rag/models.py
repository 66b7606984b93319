"""The RAG room's values: what a parsed document, a chunk, a stored document and a search hit are."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from paramstack.errors import InvalidRequest

MediaType = Literal["text", "markdown", "html", "pdf"]
SearchMode = Literal["hybrid", "vector", "keyword"]
SEARCH_MODES: tuple[SearchMode, ...] = ("hybrid", "vector", "keyword")

# Collection names follow tenant.rag_collection; document ids may look like paths ("guides/setup.md").
COLLECTION_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,127}$")
DOCUMENT_ID_PATTERN = re.compile(r"^[^\x00-\x1f\x7f]{1,512}$")


def check_collection_name(name: str) -> str:
    if not COLLECTION_PATTERN.match(name):
        raise InvalidRequest(
            f"invalid collection name {name!r}: use 1-128 letters, digits, '.', '_' and '-', "
            "starting with a letter or digit",
            param="collection",
            code="invalid_collection",
        )
    return name


def check_document_id(document: str) -> str:
    if not DOCUMENT_ID_PATTERN.match(document) or not document.strip():
        raise InvalidRequest(
            "invalid document id: 1-512 characters, no control characters", param="document", code="invalid_document_id"
        )
    return document


@dataclass(frozen=True)
class Section:
    """A run of text under one heading path (["Guide", "Install"]); PDF pages become "page N" sections."""

    headings: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class ParsedDocument:
    media_type: MediaType
    title: str
    sections: list[Section]


@dataclass(frozen=True)
class Chunk:
    """One retrievable piece. ``text`` carries its heading path first, so both retrievers see the headings."""

    index: int
    heading: str
    text: str


@dataclass(frozen=True)
class ChunkRecord:
    """A chunk as a store receives it: the text, its keyword terms and its (normalised) embedding."""

    index: int
    heading: str
    text: str
    terms: str
    embedding: Any  # numpy float32 vector of the collection's dimensions


@dataclass(frozen=True)
class DocumentRecord:
    document: str
    sha256: str
    media_type: MediaType
    title: str
    size_bytes: int
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DocumentInfo:
    document: str
    sha256: str
    media_type: str
    title: str
    size_bytes: int
    chunks: int
    metadata: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.document,
            "object": "rag.document",
            "sha256": self.sha256,
            "format": self.media_type,
            "title": self.title,
            "bytes": self.size_bytes,
            "chunks": self.chunks,
            "metadata": self.metadata,
            "created_at": int(self.created_at.timestamp()),
            "updated_at": int(self.updated_at.timestamp()),
        }


@dataclass(frozen=True)
class CollectionInfo:
    """A tenant's collection; ``embedder`` and ``dims`` are fixed at creation (vectors of one space only)."""

    id: int
    org_id: str
    name: str
    embedder: str
    dims: int
    documents: int = 0
    chunks: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.name,
            "object": "rag.collection",
            "embedding_model": self.embedder,
            "dims": self.dims,
            "documents": self.documents,
            "chunks": self.chunks,
        }


@dataclass(frozen=True)
class Candidate:
    """One retriever's answer: a chunk id with that retriever's score (higher is better)."""

    chunk_id: int
    score: float


@dataclass(frozen=True)
class StoredChunk:
    chunk_id: int
    document: str
    chunk: int
    heading: str
    text: str


@dataclass(frozen=True)
class Hit:
    document: str
    chunk: int
    score: float
    text: str
    heading: str = ""
    vector_score: float | None = None
    keyword_score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "chunk": self.chunk,
            "score": round(self.score, 6),
            "text": self.text,
            "heading": self.heading,
            "vector_score": _rounded(self.vector_score),
            "keyword_score": _rounded(self.keyword_score),
        }


@dataclass(frozen=True)
class IngestResult:
    collection: str
    document: str
    status: Literal["created", "replaced", "unchanged"]
    chunks: int
    sha256: str
    media_type: str
    pii_masked: int = 0
    injection_flagged_chunks: tuple[int, ...] = ()  # chunk indexes holding an instruction to the model

    def to_dict(self) -> dict[str, Any]:
        return {
            "object": "rag.ingest",
            "collection": self.collection,
            "document": self.document,
            "status": self.status,
            "chunks": self.chunks,
            "sha256": self.sha256,
            "format": self.media_type,
            "pii_masked": self.pii_masked,
            "injection_flagged_chunks": list(self.injection_flagged_chunks),
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
