"""Prometheus counters of failed authentications, on the gateway's registry. No address label: per-address
counts would be unbounded cardinality; they go to the periodic audit summary instead."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter


class FailedAuthMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.failures = Counter(
            "paramstack_auth_failures",
            "Requests refused with 401 (no key, a malformed or unknown key).",
            ("code",),
            registry=registry,
        )
        self.throttled = Counter(
            "paramstack_auth_throttled",
            "Requests refused with 429 because their address failed to authenticate too often.",
            registry=registry,
        )
        self.store_unavailable = Counter(
            "paramstack_auth_failure_store_unavailable",
            "Calls to the failure store (Redis) that failed; the request went through uncounted.",
            registry=registry,
        )
