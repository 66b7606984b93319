"""Limiter stores, picked by URI like the ``limits`` library: ``memory://`` (in-process) or ``redis://...``."""

from __future__ import annotations

from paramstack.errors import ConfigurationError
from paramstack.metering.storage.base import LimitStore


def store_from_url(url: str | None, *, timeout_s: float = 1.0, prefix: str = "paramstack:") -> LimitStore:
    if not url or url == "memory://":
        from paramstack.metering.storage.memory import MemoryStore

        return MemoryStore()
    if url.startswith(("redis://", "rediss://", "unix://")):
        from paramstack.metering.storage.redis import RedisStore

        return RedisStore(url, timeout_s=timeout_s, prefix=prefix)
    raise ConfigurationError(f"limiter store URL {url!r}: use memory:// or redis://host:port/db")
