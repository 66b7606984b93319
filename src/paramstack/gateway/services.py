"""Everything a request handler may use, built once by ``create_app`` and reached through ``services()``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import Request
from sqlalchemy.engine import Engine as DatabaseEngine

from paramstack.engine.router import ModelRouter
from paramstack.gateway.pipeline import Pipeline
from paramstack.observability.metrics import GatewayMetrics
from paramstack.settings import Settings
from paramstack.tenancy.authenticator import Authenticator
from paramstack.tenancy.keys import KeyStore
from paramstack.tenancy.models import Caller
from paramstack.tenancy.store import TenantStore

if TYPE_CHECKING:
    from paramstack.conversations.store import ResponseStore
    from paramstack.rag.service import RagService


@dataclass
class Services:
    settings: Settings
    database: DatabaseEngine
    tenants: TenantStore
    keys: KeyStore
    authenticator: Authenticator
    router: ModelRouter
    metrics: GatewayMetrics
    pipeline: Pipeline
    ready: bool = False
    rag: RagService | None = None  # None when rag.enabled is false
    response_store: ResponseStore | None = None  # stored /v1/responses

    async def admin(self, request: Request) -> Caller:
        return await self.authenticator.authenticate(request.headers.get("authorization"), scope="admin")

    async def tenant_caller(self, request: Request) -> Caller:
        return await self.authenticator.authenticate(request.headers.get("authorization"), scope="tenant")

    def admin_blocking(self, request: Request) -> Caller:
        """For plain ``def`` handlers (FastAPI runs them in its thread pool, off the event loop)."""
        return self.authenticator.authenticate_blocking(request.headers.get("authorization"), scope="admin")


async def services(request: Request) -> Services:
    # async: FastAPI would run a plain function in its thread pool on every request
    svc: Services = request.app.state.services
    return svc
