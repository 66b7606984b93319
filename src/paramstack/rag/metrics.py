"""The RAG room's Prometheus metrics, registered on the gateway's own registry (``GatewayMetrics.registry``)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

RETRIEVAL_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class RagMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        # A private registry when none is given (the CLI): never the process-global default one.
        registry = registry if registry is not None else CollectorRegistry()
        self.retrieval_duration = Histogram(
            "paramstack_rag_retrieval_duration_seconds",
            "Time to retrieve from a RAG collection (query embedding, vector and keyword search, fusion).",
            ("tenant", "mode"),
            buckets=RETRIEVAL_BUCKETS,
            registry=registry,
        )
        self.ingested_chunks = Counter(
            "paramstack_rag_ingested_chunks", "Chunks written to RAG collections.", ("tenant",), registry=registry
        )
        self.ingest_duration = Histogram(
            "paramstack_rag_ingest_duration_seconds",
            "Time to ingest one document (parse, embed, store).",
            ("tenant",),
            buckets=RETRIEVAL_BUCKETS + (30, 60, 120, 300),
            registry=registry,
        )
