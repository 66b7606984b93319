"""Failed-authentication counters per client address, picked by URI like the limiter stores: ``memory://``
(one replica) or ``redis://...`` (every replica shares the count: an attacker gains nothing by spreading a
flood over replicas)."""

from __future__ import annotations

from paramstack.errors import ConfigurationError
from paramstack.tenancy.failed_auth.base import FailureCount, FailureStore, FailureStoreUnavailable

__all__ = ["FailureCount", "FailureStore", "FailureStoreUnavailable", "failure_store_from_url"]


def failure_store_from_url(url: str | None, *, timeout_s: float = 1.0, prefix: str = "paramstack:") -> FailureStore:
    if not url or url == "memory://":
        from paramstack.tenancy.failed_auth.memory import MemoryFailureStore

        return MemoryFailureStore()
    if url.startswith(("redis://", "rediss://", "unix://")):
        from paramstack.tenancy.failed_auth.redis import RedisFailureStore

        return RedisFailureStore(url, timeout_s=timeout_s, prefix=prefix)
    raise ConfigurationError(f"failed-authentication store URL {url!r}: use memory:// or redis://host:port/db")
