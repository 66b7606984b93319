"""The canary controller: start a rollout, judge it every interval, step up, promote, or roll back.

Every decision is applied in the order that protects users first: a rollback moves traffic (the shared
rollout row every gateway replica reads, then the InferenceService) before anything is written about it;
a promotion moves the registry's ``stable`` channel first and keeps the split at 100 % for one refresh
period (``settle_s``), so no replica sends a promoted user back to the old version while its registry
cache catches up. Then the event, the audit log and the webhook.

The loop re-reads the rollout before each judgement, so ``paramstack canary rollback`` from another shell
stops a running ``paramstack canary run`` at its next interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from paramstack.deploy.canary_decision import TERMINAL, Decision, decide
from paramstack.deploy.canary_metrics import MetricsSource, MetricsUnavailable
from paramstack.deploy.canary_notify import CanaryNotifier, DecisionNotice
from paramstack.deploy.canary_store import PROMOTED, ROLLED_BACK, RUNNING, CanaryStore, Rollout
from paramstack.deploy.kserve_actuator import KServeActuator
from paramstack.deploy.slo_policy import SloPolicy
from paramstack.errors import Conflict
from paramstack.registry import STABLE, AdapterRegistry

LOG = logging.getLogger("paramstack.canary")
Sleep = Callable[[float], Awaitable[None]]


class CanaryController:
    def __init__(
        self,
        store: CanaryStore,
        registry: AdapterRegistry,
        source: MetricsSource,
        notifier: CanaryNotifier,
        *,
        kserve: KServeActuator | None = None,
        settle_s: float = 1.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._store = store
        self._registry = registry
        self._source = source
        self._notifier = notifier
        self._kserve = kserve
        self._settle_s = settle_s
        self._sleep = sleep

    async def start(
        self, org_id: str, adapter: str, stable_version: str, canary_version: str, policy: SloPolicy
    ) -> Rollout:
        """Create the rollout at the first step's weight (callers run ``preflight`` first)."""
        rollout = self._store.create(
            org_id,
            adapter,
            stable_version,
            canary_version,
            weight=policy.steps[0],
            mode=policy.mode,
            policy=policy.model_dump(mode="json", by_alias=True),
        )
        if self._kserve is not None:
            try:
                await self._kserve.set_weight(policy.steps[0])
            except Exception as error:
                rollout = self._store.update(rollout.id, weight=0, status=ROLLED_BACK)
                await self._record(rollout, "rollback", 0, f"could not start in Kubernetes: {error}", {})
                raise
        await self._record(
            rollout,
            "start",
            rollout.weight,
            f"{canary_version} gets {rollout.weight}% of end users, {stable_version} the rest",
            {},
        )
        return rollout

    async def run(self, rollout_id: int, *, max_intervals: int | None = None) -> Rollout:
        rollout = self._store.get(rollout_id)
        policy = SloPolicy.model_validate(rollout.policy)
        # The gateway source diffs scrapes: this first read is the baseline. If it fails, the first
        # interval holds and says why.
        with contextlib.suppress(MetricsUnavailable):
            await self._source.windows(
                rollout.org_id, rollout.adapter, [rollout.canary_version, rollout.stable_version]
            )
        intervals = 0
        while max_intervals is None or intervals < max_intervals:
            await self._sleep(policy.interval_s)
            intervals += 1
            rollout = self._store.get(rollout_id)
            if rollout.status != RUNNING:
                return rollout  # promoted or rolled back from elsewhere
            decision = await self.evaluate(rollout, policy)
            if decision.action in TERMINAL:
                break
        return self._store.get(rollout_id)

    async def evaluate(self, rollout: Rollout, policy: SloPolicy) -> Decision:
        observed: dict[str, Any] = {}
        try:
            windows = await self._source.windows(
                rollout.org_id, rollout.adapter, [rollout.canary_version, rollout.stable_version]
            )
        except MetricsUnavailable as error:
            decision = decide(
                policy,
                step_index=rollout.step_index,
                failures=rollout.failures,
                weight=rollout.weight,
                window=None,
                unavailable=error.message,
            )
        else:
            observed = {
                "canary": windows[rollout.canary_version].as_dict(),
                "stable": windows[rollout.stable_version].as_dict(),
            }
            decision = decide(
                policy,
                step_index=rollout.step_index,
                failures=rollout.failures,
                weight=rollout.weight,
                window=windows[rollout.canary_version],
            )
        await self._apply(rollout, decision, observed)
        return decision

    async def promote(self, rollout_id: int, reason: str = "promoted by hand") -> Rollout:
        rollout = self._running(rollout_id)
        decision = Decision("promote", 100, rollout.step_index, rollout.failures, reason)
        await self._apply(rollout, decision, {})
        return self._store.get(rollout_id)

    async def rollback(self, rollout_id: int, reason: str = "rolled back by hand") -> Rollout:
        rollout = self._running(rollout_id)
        decision = Decision("rollback", 0, rollout.step_index, rollout.failures, reason)
        await self._apply(rollout, decision, {})
        return self._store.get(rollout_id)

    def _running(self, rollout_id: int) -> Rollout:
        rollout = self._store.get(rollout_id)
        if rollout.status != RUNNING:
            raise Conflict(f"rollout {rollout_id} is {rollout.status}, not running", param="rollout")
        return rollout

    async def _apply(self, rollout: Rollout, decision: Decision, observed: dict[str, Any]) -> None:
        if decision.action == "rollback":
            rollout = self._store.update(rollout.id, weight=0, status=ROLLED_BACK, failures=decision.failures)
            await self._set_kserve(0)
        elif decision.action == "promote":
            rollout = self._store.update(rollout.id, weight=100, failures=decision.failures)
            await self._set_kserve(100)
            self._registry.set_channel(rollout.adapter, STABLE, rollout.canary_version)
            await self._sleep(self._settle_s)  # replicas' registry caches catch up while the split holds 100 %
            rollout = self._store.update(rollout.id, status=PROMOTED)
        elif decision.action == "step":
            rollout = self._store.update(
                rollout.id, weight=decision.weight, step_index=decision.step_index, failures=decision.failures
            )
            await self._set_kserve(decision.weight)
        else:
            rollout = self._store.update(rollout.id, failures=decision.failures)
        await self._record(rollout, decision.action, decision.weight, decision.reason, observed)

    async def _set_kserve(self, weight: int) -> None:
        if self._kserve is None:
            return
        try:
            await self._kserve.set_weight(weight)
        except Exception as error:  # noqa: BLE001 - the gateway split already moved; say so loudly, go on
            LOG.error("could not patch the InferenceService", extra={"weight": weight, "error": str(error)})

    async def _record(self, rollout: Rollout, action: str, weight: int, reason: str, observed: dict[str, Any]) -> None:
        self._store.add_event(rollout.id, action, weight, reason, observed or None)
        LOG.info("canary decision", extra={"rollout": rollout.id, "action": action, "weight": weight, "reason": reason})
        await self._notifier.publish(DecisionNotice(rollout, action, weight, reason, observed))
