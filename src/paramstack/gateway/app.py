"""``create_app(settings)``: the whole gateway, built once, no globals."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from paramstack import __version__
from paramstack.engine.factory import build_engine
from paramstack.engine.router import ModelRouter
from paramstack.gateway.body_limit import BodySizeLimit
from paramstack.gateway.error_handlers import install_error_handlers
from paramstack.gateway.pipeline import Pipeline
from paramstack.gateway.routes import admin, completions, health, models
from paramstack.gateway.services import Services
from paramstack.observability.metrics import GatewayMetrics
from paramstack.settings import Settings
from paramstack.storage.database import create_db_engine
from paramstack.tenancy.authenticator import Authenticator
from paramstack.tenancy.keys import KeyStore
from paramstack.tenancy.store import TenantStore

LOG = logging.getLogger("paramstack.gateway")


def create_app(settings: Settings) -> FastAPI:
    database = create_db_engine(settings.resolved_database_url)
    tenants, keys = TenantStore(database), KeyStore(database)
    authenticator = Authenticator(keys, tenants)
    metrics = GatewayMetrics()
    engines = {model.name: build_engine(model) for model in settings.models}
    router = ModelRouter(engines)
    pipeline = Pipeline(authenticator=authenticator, router=router, metrics=metrics,
                        max_tokens_limit=settings.max_tokens_limit)
    svc = Services(settings=settings, database=database, tenants=tenants, keys=keys,
                   authenticator=authenticator, router=router, metrics=metrics, pipeline=pipeline)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        for engine in engines.values():
            start = getattr(engine, "start", None)
            if start is not None:
                await asyncio.to_thread(start)
        svc.ready = True
        LOG.info("gateway ready", extra={"models": list(engines)})
        try:
            yield
        finally:
            svc.ready = False
            for engine in engines.values():
                await engine.aclose()
            database.dispose()

    app = FastAPI(title="paramstack gateway", version=__version__, lifespan=lifespan)
    app.state.services = svc
    install_error_handlers(app, metrics)
    for module in (completions, models, health, admin):
        app.include_router(module.router)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app
