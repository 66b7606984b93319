"""What one admission must check: the strategies (limit kinds) and the concrete checks of one call.

Strategies are separate from storages, as in the ``limits`` library: a plan names *which* counters to
check with *which* rule; a storage (``storage/memory.py``, ``storage/redis.py``) evaluates the whole plan
atomically, all-or-nothing, so a call refused by its quota never consumes a rate-limit slot.

- ``SlidingWindow``: a true sliding-window log (the times of the last ``limit`` admissions). Exact: no
  window of ``window_ms`` ever holds more than ``limit`` admissions, wherever it starts. GCRA was not
  chosen: with a burst of ``limit`` it admits up to ~2x ``limit`` in some window of ``window_ms``, and
  without a burst it spaces every request evenly (no short bursts at all).
- ``ConcurrencyCap``: leases on in-flight calls; a lease returns on settle, or when it expires (a replica
  killed mid-call cannot release it).
- ``TokenQuota``: a per-UTC-day token budget with reserve -> settle -> refund.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from paramstack.metering.settings import KeyLimits
from paramstack.tenancy.models import Tenant, TenantLimits

LimitName = Literal["tps", "rpm", "max_concurrent", "daily_tokens"]
SECOND_MS = 1_000
MINUTE_MS = 60_000


@dataclass(frozen=True)
class SlidingWindow:
    key: str
    limit: int
    window_ms: int
    name: LimitName
    scope: str  # "tenant org_x" or "key key_abc": for messages and metrics


@dataclass(frozen=True)
class ConcurrencyCap:
    key: str
    limit: int
    name: LimitName
    scope: str


@dataclass(frozen=True)
class TokenQuota:
    key: str  # a prefix: the storage appends the UTC day number of its own clock
    limit: int
    name: LimitName
    scope: str


Check = SlidingWindow | ConcurrencyCap | TokenQuota


@dataclass(frozen=True)
class AdmissionPlan:
    request_id: str
    tokens: int  # reserved against every quota: prompt + max_tokens
    lease_ms: int
    windows: tuple[SlidingWindow, ...] = ()
    caps: tuple[ConcurrencyCap, ...] = ()
    quotas: tuple[TokenQuota, ...] = ()

    @property
    def checks(self) -> tuple[Check, ...]:
        """Every check, in the order storages report them (windows, caps, quotas)."""
        return (*self.windows, *self.caps, *self.quotas)


def tenant_key(org_id: str) -> str:
    # The braces are a Redis Cluster hash tag: every counter of one tenant lives in one slot, so one
    # script can touch them all.
    return f"{{{org_id}}}"


def plan_for(
    request_id: str, tenant: Tenant, key_id: str, tokens: int, *, lease_ms: int, key_limits: KeyLimits | None = None
) -> AdmissionPlan:
    """The checks of one call: what it needs is who (tenant, key), which request, and how many tokens."""
    base = tenant_key(tenant.org_id)
    windows, caps, quotas = _scope_checks(base, f"tenant {tenant.org_id}", tenant.limits)
    if key_limits is not None:
        more = _scope_checks(f"{base}:key:{key_id}", f"key {key_id}", key_limits)
        windows, caps, quotas = windows + more[0], caps + more[1], quotas + more[2]
    return AdmissionPlan(request_id, max(0, tokens), lease_ms, windows, caps, quotas)


def _scope_checks(
    base: str, scope: str, limits: TenantLimits | KeyLimits
) -> tuple[tuple[SlidingWindow, ...], tuple[ConcurrencyCap, ...], tuple[TokenQuota, ...]]:
    rates: tuple[tuple[LimitName, int | None, int], ...] = (
        ("tps", limits.tps, SECOND_MS),
        ("rpm", limits.rpm, MINUTE_MS),
    )
    windows = tuple(
        SlidingWindow(f"{base}:{name}", limit, window_ms, name, scope)
        for name, limit, window_ms in rates
        if limit is not None
    )
    caps = (
        (ConcurrencyCap(f"{base}:concurrent", limits.max_concurrent, "max_concurrent", scope),)
        if limits.max_concurrent is not None
        else ()
    )
    quotas = (
        (TokenQuota(f"{base}:tokens", limits.daily_tokens, "daily_tokens", scope),)
        if limits.daily_tokens is not None
        else ()
    )
    return windows, caps, quotas
