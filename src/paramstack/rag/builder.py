"""Settings + the main database -> a ready ``RagService`` (the gateway and the CLI build it the same way)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry
from sqlalchemy.engine import Engine

from paramstack.rag.embedders import build_embedder
from paramstack.rag.injection import PolicyChunkGuard
from paramstack.rag.metrics import RagMetrics
from paramstack.rag.scrub import GuardScrubber
from paramstack.rag.service import RagService
from paramstack.rag.settings import rag_settings_of
from paramstack.rag.stores import open_store


def build_rag(settings: Any, database: Engine, registry: CollectorRegistry | None = None) -> RagService:
    """``settings`` is paramstack's Settings (``settings.rag`` and ``settings.home`` are read)."""
    rag = rag_settings_of(settings)
    store, engine = open_store(
        rag.store_url, database, snapshot_dir=rag.resolved_index_dir(settings.home), ef_search=rag.hnsw_ef_search
    )
    return RagService(
        store=store,
        embedder=build_embedder(rag.embedder),
        settings=rag,
        metrics=RagMetrics(registry),
        scrubber=GuardScrubber(rag.pii_policy, rag.pii_policy_dir),
        chunk_guard=PolicyChunkGuard(rag.injection_policy, rag.pii_policy_dir),
        owned_engine=engine,
    )
