"""The gateway's admission step: one store round trip checks every limit and reserves the quota.

``admit`` raises ``RateLimited``/``QuotaExceeded`` (429 with Retry-After and the x-ratelimit headers) or,
when the store cannot answer, ``ServiceUnavailable`` (503) unless ``on_store_error: fail_open``; a
fail-open call is admitted without limits, counted in ``paramstack_limiter_store_unavailable_total``,
and still billed in the ledger.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from typing import Any

from paramstack.calls import CallInfo
from paramstack.errors import ServiceUnavailable
from paramstack.metering.ledger import UsageLedger
from paramstack.metering.metrics import MeteringMetrics
from paramstack.metering.plan import AdmissionPlan, plan_for
from paramstack.metering.settings import MeteringSettings
from paramstack.metering.storage.base import LimitStore, Receipt, StoreUnavailable
from paramstack.metering.ticket import MeteredTicket, day_of
from paramstack.metering.verdict import rate_limit_headers, refusal

LOG = logging.getLogger("paramstack.metering")


class AdmissionController:
    def __init__(
        self,
        store: LimitStore,
        ledger: UsageLedger,
        *,
        settings: MeteringSettings | None = None,
        metrics: MeteringMetrics | None = None,
    ) -> None:
        self.store = store
        self.ledger = ledger
        self._settings = settings or MeteringSettings()
        self._metrics = metrics
        self._background: set[asyncio.Task[None]] = set()

    async def admit(self, call: CallInfo, reserve_tokens: int) -> MeteredTicket:
        tenant = call.caller.tenant
        assert tenant is not None, "admission is for tenant keys"
        plan = plan_for(
            call.request_id,
            tenant,
            call.caller.key.key_id,
            reserve_tokens,
            lease_ms=self._settings.concurrency_lease_s * 1000,
            key_limits=self._settings.key_limits,
        )
        try:
            decision = await self.store.admit(plan)
        except StoreUnavailable as error:
            return self._store_unavailable(call, plan, error)
        refused = refusal(plan, decision)
        if self._metrics is not None:
            outcome = "admitted" if refused is None else f"refused_{refused.check.name}"
            self._metrics.observe_admission(tenant.org_id, tenant.limits, plan, decision, outcome)
        if refused is not None:
            raise refused.error
        tenant_quota = next((i for i, q in enumerate(plan.quotas) if q.scope.startswith("tenant ")), None)
        return MeteredTicket(
            call,
            Receipt.of(plan, decision.day),
            store=self.store,
            ledger=self.ledger,
            admitted_ms=decision.wall_ms,
            headers=rate_limit_headers(plan, decision),
            metrics=self._metrics,
            tenant_quota_index=tenant_quota,
        )

    async def aclose(self) -> None:
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        await self.store.aclose()

    def _store_unavailable(self, call: CallInfo, plan: AdmissionPlan, error: StoreUnavailable) -> MeteredTicket:
        now_ms = int(time.time() * 1000)
        receipt = Receipt.of(plan, day_of(now_ms))
        # The script may have run with only its reply lost: hand back whatever it took (idempotent).
        self._in_background(self._abandon(receipt))
        fail_open = self._settings.on_store_error == "fail_open"
        LOG.error(
            "limiter store unavailable",
            extra={"request_id": call.request_id, "tenant": call.org_id, "fail_open": fail_open, "error": str(error)},
        )
        if self._metrics is not None:
            self._metrics.store_unavailable.labels("admit", "admitted" if fail_open else "rejected").inc()
        if not fail_open:
            raise ServiceUnavailable(
                "Rate limits and quotas cannot be checked right now (the limiter store is unreachable), so "
                "the request was not run. Please retry shortly.",
                code="rate_limiter_unavailable",
                headers={"retry-after": "1"},
            )
        return MeteredTicket(
            call,
            receipt,
            store=self.store,
            ledger=self.ledger,
            admitted_ms=now_ms,
            headers={},
            metrics=self._metrics,
            admitted_open=True,
        )

    async def _abandon(self, receipt: Receipt) -> None:
        # If this fails too, the lease expires by itself and a leftover reservation only errs toward the limit.
        with contextlib.suppress(StoreUnavailable):
            await self.store.settle(receipt, 0)

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
