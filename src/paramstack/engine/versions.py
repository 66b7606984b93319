"""Tenant adapter -> adapter *version* -> the engine serving it: the canary split's seat in the router.

``ModelRouter.resolve`` hands every request that uses an adapter to ``VersionRouting.route``:

1. a client that pinned a version (``medical-lora@v2``) gets exactly that;
2. a running gateway-mode rollout of (tenant, adapter) picks stable or canary for this end user (sticky);
3. otherwise the registry's ``stable`` channel names the version (``stable`` callable; an unregistered
   adapter keeps its plain name and is served unversioned, as before the registry existed).

A versioned request gets a ``VersionTap`` (per-version metrics), which first makes sure the engine has the
version loaded (``/v1/load_lora_adapter`` on vLLM, ``load_adapter`` in-process) - once per engine and
version, however many first requests arrive together.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from paramstack.engine.canary import CanarySplit
from paramstack.engine.protocol import Engine, GenerationRequest
from paramstack.engine.version_tap import VersionLabels, VersionTap
from paramstack.errors import ParamstackError
from paramstack.observability.metrics import GatewayMetrics
from paramstack.registry.names import engine_adapter_name, split_engine_adapter_name


class VersionRouting:
    def __init__(
        self,
        split: CanarySplit,
        metrics: GatewayMetrics,
        *,
        stable: Callable[[str], str] | None = None,
        path_of: Callable[[str, str], str | None] | None = None,
        on_response: Callable[[VersionLabels, GenerationRequest, str], None] | None = None,
        on_close: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._split = split
        self._on_response = on_response  # every versioned response, once (the online judge samples them)
        self._on_close = on_close
        self._metrics = metrics
        self._stable = stable  # adapter name -> engine name of its stable version (the registry's resolver)
        self._path_of = path_of  # (adapter, version) -> registered directory, None if unknown
        self._loaded: set[tuple[int, str]] = set()
        self._locks: dict[tuple[int, str], asyncio.Lock] = {}

    def route(self, org_id: str, adapter: str, engine: Engine, sticky_key: str | None = None) -> tuple[Engine, str]:
        """(engine to call, engine adapter name) for one request of ``org_id`` using ``adapter``."""
        name, pinned = split_engine_adapter_name(adapter)
        path: str | None = None
        if pinned is not None:
            engine_name = adapter
        else:
            assignment = self._split.assign(org_id, name, sticky_key or org_id)
            if assignment is not None:
                engine_name, path = engine_adapter_name(name, assignment.version), assignment.path
            else:
                engine_name = self._stable(name) if self._stable else name
        version = split_engine_adapter_name(engine_name)[1]
        if version is None:
            return engine, engine_name

        async def prepare() -> None:
            await self._ensure_loaded(engine, engine_name, name, version, path)

        return VersionTap(
            engine, self._metrics, VersionLabels(org_id, name, version), prepare=prepare, on_response=self._on_response
        ), engine_name

    async def aclose(self) -> None:
        if self._on_close is not None:
            await self._on_close()

    def labels_for(self, org_id: str, engine_name: str) -> VersionLabels | None:
        name, version = split_engine_adapter_name(engine_name)
        return VersionLabels(org_id, name, version) if version else None

    async def _ensure_loaded(self, engine: Engine, name: str, adapter: str, version: str, path: str | None) -> None:
        key = (id(engine), name)
        if key in self._loaded:
            return
        async with self._locks.setdefault(key, asyncio.Lock()):
            if key in self._loaded:
                return
            path = path or self._registered_path(adapter, version)
            if path is None:
                self._loaded.add(key)  # not registered: the engine serves it by name or answers "not found"
                return
            ensure = getattr(engine, "ensure_adapter", None)
            register = getattr(engine, "register_adapter", None)
            if ensure is not None and register is not None:
                register(name, path)
                await ensure(name)  # vLLM: only loads what /v1/models does not list yet
            elif name not in engine.adapters():
                await engine.load_adapter(name, path)
            self._loaded.add(key)

    def _registered_path(self, adapter: str, version: str) -> str | None:
        if self._path_of is None:
            return None
        try:
            return self._path_of(adapter, version)
        except ParamstackError:
            return None
