"""The contract every limiter store implements, and the facts it reports.

A store evaluates a whole ``AdmissionPlan`` atomically on its own clock and returns plain facts
(counts, balances, waits); ``metering/verdict.py`` turns those into headers and errors, once for all
stores. ``tests/metering/test_store_contract.py`` runs one suite over every store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from paramstack.metering.plan import AdmissionPlan

DAY_MS = 86_400_000


class StoreUnavailable(Exception):
    """The store could not answer (connection refused, dropped or timed out). Its state is unknown."""


@dataclass(frozen=True)
class WindowState:
    count: int  # admissions inside the window, this one included when admitted
    retry_ms: int  # refused by this window: until its oldest blocking admission leaves; else 0
    reset_ms: int  # until the window is empty again (OpenAI's "reset to the initial state")


@dataclass(frozen=True)
class CapState:
    in_flight: int  # leases held, this one included when admitted


@dataclass(frozen=True)
class QuotaState:
    used: int  # settled tokens of the day
    reserved: int  # tokens reserved by calls not settled yet (this one included when admitted)


@dataclass(frozen=True)
class Decision:
    admitted: bool
    wall_ms: int  # the store's wall clock at the decision (Redis TIME for Redis): the ledger's admitted_at
    day: int  # the UTC day (days since the epoch) whose quota counters were used
    windows: tuple[WindowState, ...]
    caps: tuple[CapState, ...]
    quotas: tuple[QuotaState, ...]

    @property
    def ms_to_day_end(self) -> int:
        return (self.day + 1) * DAY_MS - self.wall_ms


@dataclass(frozen=True)
class Receipt:
    """What settling an admitted call needs: which leases to return and which day's reservations to settle."""

    request_id: str
    cap_keys: tuple[str, ...]
    quota_keys: tuple[str, ...]
    day: int

    @classmethod
    def of(cls, plan: AdmissionPlan, day: int) -> Receipt:
        return cls(plan.request_id, tuple(c.key for c in plan.caps), tuple(q.key for q in plan.quotas), day)


class LimitStore(Protocol):
    async def admit(self, plan: AdmissionPlan) -> Decision:
        """Check every limit of ``plan``; when all allow it, record the admission (all or nothing)."""
        ...

    async def settle(self, receipt: Receipt, tokens: int, *, charge_unreserved: bool = False) -> tuple[QuotaState, ...]:
        """Return the leases and turn the reservation into ``tokens`` used (refunding the rest).

        Idempotent per request id: settling twice, or settling a call whose admission was never recorded,
        changes nothing, except that ``charge_unreserved`` charges a call admitted while the store was
        unreachable (fail-open) once.
        """
        ...

    async def aclose(self) -> None: ...
