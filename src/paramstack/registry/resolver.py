"""Tenant adapter name -> engine adapter name, per request, without a database query per request.

The router holds one ``AdapterResolver``; its copy of the registry's channel table (one small query) is
never older than ``ttl_s`` and is re-read in the background while traffic flows (``storage/refresh_ahead.py``),
so a promotion made by another process (``paramstack adapters promote``, the canary controller) reaches
every gateway replica within ``ttl_s``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from paramstack.registry.names import SEPARATOR, STABLE
from paramstack.registry.store import AdapterRegistry
from paramstack.storage.refresh_ahead import RefreshAhead


class AdapterResolver:
    def __init__(
        self, registry: AdapterRegistry, *, ttl_s: float = 2.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._snapshot = RefreshAhead(registry.snapshot, max_age_s=ttl_s, clock=clock)

    def engine_adapter(self, name: str, channel: str = STABLE) -> str:
        """``medical-lora`` -> ``medical-lora@v2`` (its ``channel`` version). A pinned ``name@version``
        and an unregistered name pass through unchanged."""
        if SEPARATOR in name:
            return name
        return self._snapshot.get().get(name, {}).get(channel, name)

    def invalidate(self) -> None:
        self._snapshot.invalidate()
