"""The three admission rules over plain state, in Python.

``storage/memory.py`` runs these functions; ``storage/redis_scripts.py`` states the same rules in Lua, in
the same order and with the same names, because Redis must run them inside one atomic script. The
contract suite (``tests/metering/test_store_contract.py``) holds both stores to one behaviour.
All times are integer milliseconds of the store's own clock.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from paramstack.metering.storage.base import WindowState

# --- sliding-window log: the times of the last `limit` admissions, newest first -----------------------


def window_now(log: deque[int], now: int, window_ms: int) -> int:
    """The time to judge ``log`` at, absorbing a clock that stepped back.

    A step back within one window: time stands still at the newest admission until the clock catches up,
    so no window can ever hold more than the limit. A larger step: the log says nothing true about the
    new timeline; it is dropped (at most one extra window's worth is admitted once) rather than locking
    the tenant out for the length of the step.
    """
    if log and log[0] > now:
        if log[0] - now <= window_ms:
            return log[0]
        log.clear()
    return now


def window_expire(log: deque[int], now: int, window_ms: int) -> None:
    # An admission at t counts while now < t + window: the window is (now - window, now].
    while log and log[-1] <= now - window_ms:
        log.pop()


def window_state(log: deque[int], limit: int, window_ms: int, now: int) -> WindowState:
    count = len(log)
    # Refused while `limit` admissions are inside the window; the next slot frees when the limit-th
    # newest leaves it. (count may exceed limit for a moment after the limit was lowered.)
    retry = log[limit - 1] + window_ms - now if count >= limit else 0
    reset = log[0] + window_ms - now if log else 0
    return WindowState(count, retry, reset)


def window_record(log: deque[int], limit: int, now: int) -> None:
    log.appendleft(now)
    while len(log) > limit:
        log.pop()


# --- concurrency: request id -> lease expiry -----------------------------------------------------------

NEVER = 2**63


@dataclass
class Leases:
    expiry: dict[str, int] = field(default_factory=dict)
    soonest: int = NEVER  # no lease expires before this (may be early after a release: one extra scan)


def lease_expire(leases: Leases, now: int) -> None:
    if now < leases.soonest:  # the common case: nothing can have expired, skip the scan
        return
    for request_id in [r for r, expiry in leases.expiry.items() if expiry <= now]:
        del leases.expiry[request_id]
    leases.soonest = min(leases.expiry.values(), default=NEVER)


def lease_grant(leases: Leases, request_id: str, expiry: int) -> None:
    leases.expiry[request_id] = expiry
    leases.soonest = min(leases.soonest, expiry)


# --- daily token quota: used + reserved, reservations by request id ---------------------------------------


@dataclass
class QuotaDay:
    used: int = 0
    reserved: int = 0
    reservations: dict[str, int] = field(default_factory=dict)
    charged: set[str] = field(default_factory=set)  # fail-open calls charged without a reservation


def quota_fits(day: QuotaDay, limit: int, tokens: int) -> bool:
    return day.used + day.reserved + tokens <= limit


def quota_reserve(day: QuotaDay, request_id: str, tokens: int) -> None:
    day.reserved += tokens
    day.reservations[request_id] = tokens


def quota_settle(day: QuotaDay, request_id: str, tokens: int, charge_unreserved: bool) -> None:
    reserved = day.reservations.pop(request_id, None)
    if reserved is not None:
        day.reserved = max(0, day.reserved - reserved)  # never negative, whatever happened before
        day.used += tokens
        if charge_unreserved:  # a retried fail-open settle must not charge again
            day.charged.add(request_id)
    elif charge_unreserved and request_id not in day.charged:
        day.charged.add(request_id)
        day.used += tokens
