"""``create_app(settings)``: the whole gateway, built once, no globals."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI

from paramstack import __version__
from paramstack.attest.audit import AuditLog
from paramstack.attest.gateway_steps import AuditRecorder, ResponseSigner
from paramstack.attest.keystore import SigningKeyStore
from paramstack.attest.manifest import ensure_artifact_verified
from paramstack.conversations.store import ResponseStore
from paramstack.deploy.gateway_wiring import build_version_routing
from paramstack.engine.factory import build_engine
from paramstack.engine.fallback import wire_fallbacks
from paramstack.engine.router import ModelRouter
from paramstack.engine.version_tap import GuardBlockTap
from paramstack.gateway.body_limit import BodySizeLimit
from paramstack.gateway.error_handlers import install_error_handlers
from paramstack.gateway.failed_auth_wiring import build_failed_auth
from paramstack.gateway.openapi import document_completion_routes
from paramstack.gateway.pipeline import Pipeline
from paramstack.gateway.routes import (
    admin,
    admin_audit,
    admin_catalog,
    admin_reports,
    admin_rollouts,
    completions,
    health,
    messages,
    models,
    usage,
)
from paramstack.gateway.routes import embeddings as embeddings_routes
from paramstack.gateway.routes import metrics as metrics_routes
from paramstack.gateway.routes import rag as rag_routes
from paramstack.gateway.routes import responses as responses_routes
from paramstack.gateway.routes.attestation import build_attestation_router
from paramstack.gateway.services import Services
from paramstack.guard.gateway_step import PolicyGuards
from paramstack.metering.factory import build_admission
from paramstack.observability.metrics import GatewayMetrics
from paramstack.observability.tracing import Tracing, tracing_from_environment
from paramstack.rag.builder import build_rag
from paramstack.rag.retrieval import RagRetrieval
from paramstack.settings import Settings
from paramstack.storage.database import create_db_engine
from paramstack.storage.writer import DatabaseWriter
from paramstack.tenancy.authenticator import Authenticator
from paramstack.tenancy.keys import KeyStore
from paramstack.tenancy.store import TenantStore
from paramstack.tenancy.unknown_keys import UnknownKeys
from paramstack.web import routes as labelling_page
from paramstack.web.console import routes as console_page

LOG = logging.getLogger("paramstack.gateway")
YOUNG_GC_THRESHOLD = 10_000  # new container objects between two young collections (CPython: 700)


def create_app(settings: Settings, *, tracing: Tracing | None = None) -> FastAPI:
    """``tracing``: the app's tracing (default: as the ``OTEL_*`` variables say; tests pass their own)."""
    database = create_db_engine(settings.resolved_database_url)
    tenants, keys = TenantStore(database), KeyStore(database)
    authenticator = Authenticator(
        keys,
        tenants,
        cache_ttl_s=settings.auth.cache_ttl_s,
        unknown_keys=UnknownKeys(ttl_s=settings.auth.unknown_key_ttl_s),
    )
    metrics = GatewayMetrics()
    signing_keys = SigningKeyStore(settings.attest.resolved_keys_dir(settings.home))
    signing_keys.load_or_create()
    verify = (
        partial(ensure_artifact_verified, keyring=signing_keys.current())
        if settings.attest.require_verified_manifests
        else None
    )
    engines = {model.name: build_engine(model, verify) for model in settings.models}
    versions = build_version_routing(database, settings.canary, metrics)  # registry stable + canary split
    router = ModelRouter(wire_fallbacks(engines, settings.models), versions=versions)
    writer = DatabaseWriter(database)  # group commit: a call's ledger row and audit entry in one transaction
    audit_log = AuditLog(
        database,
        signing_keys.current,
        checkpoint_every=settings.attest.checkpoint_every,
        checkpoint_interval_s=settings.attest.checkpoint_interval_s,
    )
    failed_auth = build_failed_auth(settings, audit_log, metrics.registry)
    admission = build_admission(settings.redis_url, settings.metering, database, metrics.registry, writer)
    rag = build_rag(settings, database, metrics.registry) if settings.rag.enabled else None
    guards = PolicyGuards(settings.guard)
    if tracing is None:  # OTEL_*: off unless an exporter is named
        tracing = tracing_from_environment(metrics.trace_export_failures.inc)
    pipeline = Pipeline(
        authenticator=authenticator,
        router=router,
        metrics=metrics,
        guard=guards,
        max_tokens_limit=settings.max_tokens_limit,
        admission=admission,
        retrieval=RagRetrieval(rag) if rag is not None else None,
        signer=ResponseSigner(signing_keys.current, settings.artifact_dirs),
        audit=GuardBlockTap(AuditRecorder(audit_log, writer=writer), metrics, versions.labels_for),
        tracing=tracing,
    )
    svc = Services(
        settings=settings,
        database=database,
        tenants=tenants,
        keys=keys,
        authenticator=authenticator,
        router=router,
        metrics=metrics,
        pipeline=pipeline,
        rag=rag,
        response_store=ResponseStore(database, retention_days=settings.responses.retention_days),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        for engine in engines.values():
            start = getattr(engine, "start", None)
            if start is not None:
                await asyncio.to_thread(start)
        # What start-up built lives as long as the process (modules, models, policies): keep it out of the
        # cyclic collector, whose full passes over it took 60+ ms each and were the gateway's p99 latency.
        gc.collect()
        gc.freeze()
        # The young generation's collection ran every few requests: 32 calls in flight hold more than the default
        # 700 new objects between them, and each pass found them alive (~4 % of a request's CPU, measured).
        # Garbage here goes by reference counting; cycles wait a little longer.
        thresholds = gc.get_threshold()
        gc.set_threshold(YOUNG_GC_THRESHOLD, *thresholds[1:])
        failed_auth.start()
        svc.ready = True
        LOG.info("gateway ready", extra={"models": list(engines)})
        try:
            yield
        finally:
            gc.set_threshold(*thresholds)
            svc.ready = False
            for engine in engines.values():
                await engine.aclose()
            await admission.aclose()
            await failed_auth.aclose()
            await versions.aclose()  # the online judge's samples in flight
            writer.close()
            if rag is not None:
                rag.close()
            database.dispose()
            tracing.shutdown()  # flushes the spans still queued

    app = FastAPI(title="paramstack gateway", version=__version__, lifespan=lifespan)
    app.state.services = svc
    install_error_handlers(app, metrics)
    app.router.routes.extend(completions.routes)  # plain Starlette routes: the hot path
    document_completion_routes(app)
    # The Responses and Messages APIs: front-ends of the same pipeline, plain routes like the completions.
    app.router.routes.extend(responses_routes.routes + messages.routes)
    document_completion_routes(app, responses_routes.RESPONSES_ENDPOINTS, "responses")
    document_completion_routes(app, messages.MESSAGES_ENDPOINTS, "messages")
    app.include_router(responses_routes.router)
    for module in (
        models,
        health,
        metrics_routes,
        admin,
        usage,
        admin_reports,
        admin_audit,
        admin_rollouts,
        admin_catalog,
    ):
        app.include_router(module.router)
    app.include_router(build_attestation_router(signing_keys.current))
    app.include_router(rag_routes.router)
    app.include_router(embeddings_routes.router)
    app.include_router(labelling_page.router)  # /label/: human review of preference pairs
    app.include_router(console_page.router)  # /console/: the operations console
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    failed_auth.install(app, authenticator, settings)  # outermost
    return app
