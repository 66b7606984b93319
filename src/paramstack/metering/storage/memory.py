"""The in-process store (the default): one replica's limits, exact, with nothing else running.

Windows and leases use ``time.monotonic`` (immune to wall-clock steps); the quota's day is the UTC date
of the wall clock, as it must be. ``admit`` and ``settle`` never await, so under asyncio each runs
atomically; a lock also makes them safe from threads. Both clocks can be injected (the tests drive them).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from paramstack.metering.plan import AdmissionPlan
from paramstack.metering.storage.base import DAY_MS, CapState, Decision, QuotaState, Receipt, WindowState
from paramstack.metering.strategies import (
    Leases,
    QuotaDay,
    lease_expire,
    lease_grant,
    quota_fits,
    quota_reserve,
    quota_settle,
    window_expire,
    window_now,
    window_record,
    window_state,
)

Clock = Callable[[], float]


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


class MemoryStore:
    def __init__(self, *, clock: Clock = time.monotonic, wall_clock: Clock = time.time) -> None:
        self._clock = clock
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        self._logs: dict[str, deque[int]] = {}
        self._leases: dict[str, Leases] = {}
        self._days: dict[tuple[str, int], QuotaDay] = {}
        self._today = -1

    async def admit(self, plan: AdmissionPlan) -> Decision:
        with self._lock:
            return self._admit(plan)

    async def settle(self, receipt: Receipt, tokens: int, *, charge_unreserved: bool = False) -> tuple[QuotaState, ...]:
        with self._lock:
            for key in receipt.cap_keys:
                held = self._leases.get(key)
                if held is not None:
                    held.expiry.pop(receipt.request_id, None)
            states = []
            for key in receipt.quota_keys:
                day = self._days.get((key, receipt.day))
                if day is None and charge_unreserved:  # a fail-open call on a day nobody reserved in
                    day = self._days.setdefault((key, receipt.day), QuotaDay())
                if day is None:  # forgotten (older than yesterday): nothing left to settle
                    states.append(QuotaState(0, 0))
                    continue
                quota_settle(day, receipt.request_id, max(0, tokens), charge_unreserved)
                states.append(QuotaState(day.used, day.reserved))
            return tuple(states)

    async def aclose(self) -> None:
        return None

    def _admit(self, plan: AdmissionPlan) -> Decision:
        now, wall = _ms(self._clock()), _ms(self._wall_clock())
        today = wall // DAY_MS
        if today != self._today:  # keep yesterday: a call admitted before midnight settles after it
            self._forget_days_before(today - 1)
            self._today = today
        logs = [self._logs.setdefault(w.key, deque()) for w in plan.windows]
        nows = [window_now(log, now, w.window_ms) for log, w in zip(logs, plan.windows, strict=True)]
        for log, w, at in zip(logs, plan.windows, nows, strict=True):
            window_expire(log, at, w.window_ms)
        leases = [self._leases.setdefault(c.key, Leases()) for c in plan.caps]
        for held in leases:
            lease_expire(held, now)
        days = [self._days.setdefault((q.key, today), QuotaDay()) for q in plan.quotas]

        windows = [
            window_state(log, w.limit, w.window_ms, at) for log, w, at in zip(logs, plan.windows, nows, strict=True)
        ]
        admitted = (
            all(s.retry_ms == 0 for s in windows)
            and all(len(held.expiry) < c.limit for held, c in zip(leases, plan.caps, strict=True))
            and all(quota_fits(d, q.limit, plan.tokens) for d, q in zip(days, plan.quotas, strict=True))
        )
        if admitted:
            for log, w, at in zip(logs, plan.windows, nows, strict=True):
                window_record(log, w.limit, at)
            for held in leases:
                lease_grant(held, plan.request_id, now + plan.lease_ms)
            for day in days:
                quota_reserve(day, plan.request_id, plan.tokens)
            windows = [WindowState(s.count + 1, 0, w.window_ms) for s, w in zip(windows, plan.windows, strict=True)]
        return Decision(
            admitted,
            wall,
            today,
            tuple(windows),
            tuple(CapState(len(held.expiry)) for held in leases),
            tuple(QuotaState(d.used, d.reserved) for d in days),
        )

    def _forget_days_before(self, day: int) -> None:
        for stale in [k for k in self._days if k[1] < day]:
            del self._days[stale]
