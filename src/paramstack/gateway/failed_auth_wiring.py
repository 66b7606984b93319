"""Build the failed-authentication containment from the settings (``create_app`` calls this once): the shared
failure counters, the middleware that refuses with 429, the metrics and the periodic audit summary."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from paramstack.attest.audit import AuditLog
from paramstack.attest.auth_failure_summary import FailureSummaries
from paramstack.gateway.failed_auth_limit import FailedAuthLimit
from paramstack.settings import Settings
from paramstack.tenancy.authenticator import Authenticator
from paramstack.tenancy.failed_auth import FailureStore, failure_store_from_url
from paramstack.tenancy.failed_auth.metrics import FailedAuthMetrics
from paramstack.tenancy.failed_auth.tally import FailureTally


@dataclass
class FailedAuthContainment:
    store: FailureStore
    summaries: FailureSummaries
    tally: FailureTally
    metrics: FailedAuthMetrics
    _task: asyncio.Task[None] | None = field(default=None, init=False)

    def install(self, app: FastAPI, authenticator: Authenticator, settings: Settings) -> None:
        """Outermost middleware: a refused address costs no body read, no hash and no query."""
        app.add_middleware(
            FailedAuthLimit,
            authenticator=authenticator,
            store=self.store,
            settings=settings.auth,
            metrics=self.metrics,
            tally=self.tally,
        )

    def start(self) -> None:
        self._task = asyncio.create_task(self.summaries.run(), name="auth-failure-summaries")

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.summaries.flush()  # the last interval's failures are not lost at shutdown
        await self.store.aclose()


def build_failed_auth(settings: Settings, audit_log: AuditLog, registry: CollectorRegistry) -> FailedAuthContainment:
    store = failure_store_from_url(
        settings.redis_url, timeout_s=settings.metering.store_timeout_s, prefix=settings.metering.redis_key_prefix
    )
    tally = FailureTally()
    summaries = FailureSummaries(audit_log, tally, interval_s=settings.auth.failure_summary_interval_s)
    return FailedAuthContainment(store, summaries, tally, FailedAuthMetrics(registry))
