"""An admitted call's ticket: its rate-limit headers, and ``settle`` (exactly once per admitted call).

``settle`` does two things concurrently and returns when both are done: it settles the limiter store
(lease returned, reservation turned into the tokens really used, the rest refunded) and commits the
call's ledger row. The pipeline calls it before the response's last bytes (the JSON body, or the
stream's ``[DONE]``), so a delivered response always has its row. Both run in a task shielded from
cancellation: when a client disconnects mid-stream its request task is cancelled, and the bill must
still be written and the quota refunded.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import UTC, date, datetime

from paramstack.calls import CallInfo, UsageCounts
from paramstack.metering.ledger import UsageLedger, UsageRecord
from paramstack.metering.metrics import MeteringMetrics
from paramstack.metering.pricing import cost_micros
from paramstack.metering.storage.base import DAY_MS, LimitStore, Receipt, StoreUnavailable

LOG = logging.getLogger("paramstack.metering")
SETTLE_ATTEMPTS = 2


class MeteredTicket:
    def __init__(
        self,
        call: CallInfo,
        receipt: Receipt,
        *,
        store: LimitStore,
        ledger: UsageLedger,
        admitted_ms: int,
        headers: Mapping[str, str],
        metrics: MeteringMetrics | None = None,
        tenant_quota_index: int | None = None,
        admitted_open: bool = False,
    ) -> None:
        self.call = call
        self.receipt = receipt
        self.headers = headers
        self._store = store
        self._ledger = ledger
        self._metrics = metrics
        self._admitted_ms = admitted_ms
        self._tenant_quota_index = tenant_quota_index
        self._admitted_open = admitted_open  # fail-open: no reservation exists; charge usage once
        self._store_settle: asyncio.Task[None] | None = None
        self._recorded_cost: int | None = None

    def cost(self, usage: UsageCounts) -> int:
        """What ``usage`` costs this call's tenant, in micro-units (what ``settle`` records)."""
        tenant = self.call.caller.tenant
        assert tenant is not None
        return cost_micros(usage, tenant.pricing)

    async def settle(self, usage: UsageCounts, *, delivered: bool) -> int:
        if self._recorded_cost is not None:  # already committed: a second call changes nothing
            return self._recorded_cost
        cost = self.cost(usage)
        if self._store_settle is None:  # the store is settled once, even if the ledger write is retried
            self._store_settle = asyncio.ensure_future(self._settle_store(usage.total_tokens))
        work = asyncio.ensure_future(self._finish(self._record(usage, cost, delivered)))
        await asyncio.shield(work)
        self._recorded_cost = cost
        return cost

    async def _finish(self, record: UsageRecord) -> None:
        assert self._store_settle is not None
        try:
            await self._ledger.record(record)
        except Exception:
            if self._metrics is not None:
                self._metrics.ledger_failures.inc()
            raise
        finally:
            await self._store_settle

    async def _settle_store(self, tokens: int) -> None:
        for attempt in range(1, SETTLE_ATTEMPTS + 1):
            try:
                balances = await self._store.settle(self.receipt, tokens, charge_unreserved=self._admitted_open)
            except StoreUnavailable as error:
                if attempt < SETTLE_ATTEMPTS:
                    await asyncio.sleep(0.05)
                    continue
                # The lease returns by itself; the reservation stays counted (the balance errs low, never
                # negative); the ledger row, the bill, is written regardless.
                LOG.warning(
                    "limiter settle failed; the lease will expire",
                    extra={"request_id": self.receipt.request_id, "error": str(error)},
                )
                if self._metrics is not None:
                    self._metrics.store_unavailable.labels("settle", "deferred").inc()
                return
            if self._metrics is not None and self._tenant_quota_index is not None and balances:
                tenant = self.call.caller.tenant
                assert tenant is not None
                self._metrics.observe_quota(
                    tenant.org_id, tenant.limits.daily_tokens, balances[self._tenant_quota_index]
                )
            return

    def _record(self, usage: UsageCounts, cost: int, delivered: bool) -> UsageRecord:
        call, tenant = self.call, self.call.caller.tenant
        assert tenant is not None
        return UsageRecord(
            request_id=call.request_id,
            org_id=tenant.org_id,
            key_id=call.caller.key.key_id,
            model=call.model,
            adapter=call.adapter,
            usage_day=date.fromordinal(date(1970, 1, 1).toordinal() + self.receipt.day),
            admitted_at=datetime.fromtimestamp(self._admitted_ms / 1000, UTC),
            settled_at=datetime.now(UTC),
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            cost_micros=cost,
            currency=tenant.pricing.currency,
            input_per_1k_micros=tenant.pricing.input_per_1k_micros,
            output_per_1k_micros=tenant.pricing.output_per_1k_micros,
            delivered=delivered,
        )


def day_of(wall_ms: int) -> int:
    return wall_ms // DAY_MS
