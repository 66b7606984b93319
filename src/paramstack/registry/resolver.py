"""Tenant adapter name -> engine adapter name, per request, without a database query per request.

The router holds one ``AdapterResolver``; it re-reads the registry's channel table at most every
``ttl_s`` seconds (one small query), so a promotion made by another process (``paramstack adapters
promote``, the canary controller) reaches every gateway replica within ``ttl_s``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from paramstack.registry.names import SEPARATOR, STABLE
from paramstack.registry.store import AdapterRegistry


class AdapterResolver:
    def __init__(self, registry: AdapterRegistry, *, ttl_s: float = 2.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._registry = registry
        self._ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._snapshot: dict[str, dict[str, str]] = {}
        self._loaded_at: float | None = None

    def engine_adapter(self, name: str, channel: str = STABLE) -> str:
        """``medical-lora`` -> ``medical-lora@v2`` (its ``channel`` version). A pinned ``name@version``
        and an unregistered name pass through unchanged."""
        if SEPARATOR in name:
            return name
        return self._current().get(name, {}).get(channel, name)

    def invalidate(self) -> None:
        with self._lock:
            self._loaded_at = None

    def _current(self) -> dict[str, dict[str, str]]:
        now = self._clock()
        with self._lock:
            if self._loaded_at is None or now - self._loaded_at >= self._ttl_s:
                self._snapshot = self._registry.snapshot()
                self._loaded_at = now
            return self._snapshot
