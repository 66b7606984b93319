"""A store's facts -> OpenAI's rate-limit headers and, for a refusal, the 429 error (one place, all stores).

Headers, as OpenAI names them: ``requests`` are the tenant's RPM window, ``tokens`` its daily token quota.
``reset`` is the time until the limit is back at its initial state (the window empty, the next UTC day).
A refusal also carries ``retry-after`` (whole seconds, at least 1) and ``retry-after-ms`` (the exact wait,
which the ``openai`` clients prefer).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from paramstack.errors import QuotaExceeded, RateLimited
from paramstack.metering.plan import AdmissionPlan, Check, ConcurrencyCap, SlidingWindow, TokenQuota
from paramstack.metering.storage.base import CapState, Decision, QuotaState, WindowState

# A concurrency refusal has no known end; a quota refusal caused only by reservations of calls in flight
# ends as soon as one settles. Both: ask the client to come back in about a second.
SOON_MS = 1_000
WINDOW_NAMES = {"tps": "requests per second (TPS)", "rpm": "requests per minute (RPM)"}


@dataclass(frozen=True)
class Refusal:
    check: Check
    retry_ms: int
    error: RateLimited


def rate_limit_headers(plan: AdmissionPlan, decision: Decision) -> dict[str, str]:
    headers: dict[str, str] = {}
    rpm = _tenant_check(plan, "rpm")
    if isinstance(rpm, SlidingWindow):
        state = decision.windows[plan.windows.index(rpm)]
        headers |= {
            "x-ratelimit-limit-requests": str(rpm.limit),
            "x-ratelimit-remaining-requests": str(max(0, rpm.limit - state.count)),
            "x-ratelimit-reset-requests": format_duration(state.reset_ms),
        }
    quota = _tenant_check(plan, "daily_tokens")
    if isinstance(quota, TokenQuota):
        balance = decision.quotas[plan.quotas.index(quota)]
        headers |= {
            "x-ratelimit-limit-tokens": str(quota.limit),
            "x-ratelimit-remaining-tokens": str(max(0, quota.limit - balance.used - balance.reserved)),
            "x-ratelimit-reset-tokens": format_duration(decision.ms_to_day_end),
        }
    return headers


def refusal(plan: AdmissionPlan, decision: Decision) -> Refusal | None:
    """Why a refused decision was refused: the check that keeps the client waiting longest."""
    if decision.admitted:
        return None
    found: list[tuple[int, Check, str]] = []
    for window, state in zip(plan.windows, decision.windows, strict=True):
        if state.retry_ms > 0:
            found.append((state.retry_ms, window, _window_message(window, state)))
    for cap, held in zip(plan.caps, decision.caps, strict=True):
        if held.in_flight >= cap.limit:
            found.append((SOON_MS, cap, _cap_message(cap, held)))
    for quota, balance in zip(plan.quotas, decision.quotas, strict=True):
        if balance.used + balance.reserved + plan.tokens > quota.limit:
            wait = SOON_MS if balance.used + plan.tokens <= quota.limit else decision.ms_to_day_end
            found.append((wait, quota, _quota_message(quota, balance, plan.tokens, decision.ms_to_day_end)))
    if not found:  # a store that refuses must say why: silence is a bug in the store
        raise AssertionError("store refused an admission without a refusing check")
    retry_ms, check, message = max(found, key=lambda item: item[0])
    headers = rate_limit_headers(plan, decision) | {
        "retry-after": str(max(1, math.ceil(retry_ms / 1000))),
        "retry-after-ms": str(max(1, retry_ms)),
    }
    error_type = QuotaExceeded if isinstance(check, TokenQuota) else RateLimited
    param = "max_tokens" if isinstance(check, TokenQuota) and plan.tokens > check.limit else None
    return Refusal(check, retry_ms, error_type(message, param=param, headers=headers))


def format_duration(ms: int) -> str:
    """Go-style durations as OpenAI sends them: 250ms, 1.5s, 6m0s, 2h3m0s."""
    ms = max(0, ms)
    if ms < 1000:
        return f"{ms}ms"
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds = f"{rest / 1000:.3f}".rstrip("0").rstrip(".")
    if hours:
        return f"{hours}h{minutes}m{seconds}s"
    return f"{minutes}m{seconds}s" if minutes else f"{seconds}s"


def _tenant_check(plan: AdmissionPlan, name: str) -> Check | None:
    return next((c for c in plan.checks if c.name == name and c.scope.startswith("tenant ")), None)


def _window_message(window: SlidingWindow, state: WindowState) -> str:
    return (
        f"Rate limit reached for {window.scope} on {WINDOW_NAMES[window.name]}: limit {window.limit}, "
        f"used {state.count}. Please try again in {format_duration(state.retry_ms)}."
    )


def _cap_message(cap: ConcurrencyCap, held: CapState) -> str:
    return (
        f"Too many concurrent requests for {cap.scope}: limit {cap.limit}, in flight {held.in_flight}. "
        "Please try again when one of them finishes."
    )


def _quota_message(quota: TokenQuota, balance: QuotaState, tokens: int, ms_to_day_end: int) -> str:
    if tokens > quota.limit:
        return (
            f"This request may use up to {tokens} tokens (prompt + max_tokens), more than the daily token "
            f"quota of {quota.limit} for {quota.scope}. Lower max_tokens or shorten the prompt."
        )
    return (
        f"Daily token quota exceeded for {quota.scope}: limit {quota.limit}, used {balance.used}, reserved "
        f"by requests in flight {balance.reserved}; this request may use up to {tokens} tokens "
        f"(prompt + max_tokens). The quota resets at 00:00 UTC, in {format_duration(ms_to_day_end)}."
    )
