"""Tenant + requested model -> (engine, model, adapter). The one place adapter names are mapped.

Public model ids a tenant can call:
- ``<model>``: a base model the tenant may use, served with the tenant's default adapter if it has one;
- ``<model>:<adapter>``: that base with one of the tenant's adapters.
An adapter the tenant may not use is reported as not existing (404), like another tenant's resource.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from paramstack.engine.protocol import Capabilities, Engine
from paramstack.errors import ModelNotFound, PermissionDenied
from paramstack.tenancy.models import Tenant

if TYPE_CHECKING:
    from paramstack.engine.versions import VersionRouting

ADAPTER_SEPARATOR = ":"


@dataclass(frozen=True)
class Target:
    public_id: str  # what the client asked for and sees echoed back
    model: str  # the configured base model name
    engine: Engine
    adapter: str | None  # the backend's adapter name; None = the base model


class ModelRouter:
    def __init__(self, engines: dict[str, Engine], *, versions: VersionRouting | None = None) -> None:
        self._engines = engines
        self._versions = versions  # adapter -> version (canary split, stable channel) + per-version metrics

    @property
    def model_names(self) -> list[str]:
        return list(self._engines)

    def engine(self, model: str) -> Engine:
        return self._engines[model]

    def capabilities(self, model_id: str) -> dict[str, bool] | None:
        """What the backend of ``model_id`` ("model" or "model:adapter") says it can do; None if it does not tell."""
        engine = self._engines.get(model_id.partition(ADAPTER_SEPARATOR)[0])
        return dict(engine.capabilities()) if isinstance(engine, Capabilities) else None

    def visible_models(self, tenant: Tenant) -> list[str]:
        ids: list[str] = []
        for model in self._allowed_models(tenant):
            ids.append(model)
            ids.extend(f"{model}{ADAPTER_SEPARATOR}{adapter}" for adapter in tenant.adapters)
        return ids

    def resolve(self, tenant: Tenant, requested: str, *, sticky_key: str | None = None) -> Target:
        """``sticky_key`` (the end user: ``user`` field or API key) keeps a user on one canary version."""
        model, _, adapter = requested.partition(ADAPTER_SEPARATOR)
        if model not in self._engines:
            raise ModelNotFound(f"The model '{requested}' does not exist", param="model")
        if model not in self._allowed_models(tenant):
            raise PermissionDenied(
                f"tenant {tenant.org_id!r} may not use model '{model}'", param="model", code="model_not_allowed"
            )
        if adapter and adapter not in tenant.adapters:
            raise ModelNotFound(f"The model '{requested}' does not exist", param="model")
        engine, engine_adapter = self._engines[model], adapter or tenant.default_adapter
        if self._versions is not None and engine_adapter:
            engine, engine_adapter = self._versions.route(tenant.org_id, engine_adapter, engine, sticky_key)
        return Target(public_id=requested, model=model, engine=engine, adapter=engine_adapter)

    def _allowed_models(self, tenant: Tenant) -> list[str]:
        return [m for m in tenant.models if m in self._engines]
