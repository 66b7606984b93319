"""What the metering tests share: stores with a clock the test can drive, and calls to admit."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from paramstack.calls import CallInfo
from paramstack.engine.protocol import SamplingParams
from paramstack.metering.plan import AdmissionPlan, ConcurrencyCap, SlidingWindow, TokenQuota
from paramstack.metering.storage.base import LimitStore
from paramstack.metering.storage.memory import MemoryStore
from paramstack.metering.storage.redis import RedisStore
from paramstack.tenancy.models import ApiKey, Caller, Tenant, TenantLimits, TenantPricing
from tests.services import REDIS_URL


class FakeClock:
    """Monotonic and wall clock moving together, by hand. Starts mid-day so days only change on purpose."""

    def __init__(self, wall_s: float = 1_767_225_600.0 + 12 * 3600) -> None:  # 2026-01-01 12:00 UTC
        self.mono_s = 1000.0
        self.wall_s = wall_s

    def monotonic(self) -> float:
        return self.mono_s

    def wall(self) -> float:
        return self.wall_s

    def advance_ms(self, ms: float) -> None:
        self.mono_s += ms / 1000
        self.wall_s += ms / 1000


class StoreHarness:
    """One store and a way to let time pass on its clock: by hand (memory) or by sleeping (Redis)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.clock = FakeClock()
        self.prefix = f"paramstack-test:{uuid.uuid4().hex[:10]}:"
        self.exact = kind == "memory"  # a clock the test controls to the millisecond

    def new_store(self) -> LimitStore:
        if self.kind == "memory":
            return MemoryStore(clock=self.clock.monotonic, wall_clock=self.clock.wall)
        return RedisStore(REDIS_URL, prefix=self.prefix, timeout_s=2.0)

    async def advance(self, ms: float) -> None:
        if self.exact:
            self.clock.advance_ms(ms)
        else:
            await asyncio.sleep(ms / 1000)

    def run(self, body: Callable[[LimitStore], Awaitable[Any]]) -> Any:
        async def main() -> Any:
            store = self.new_store()
            try:
                return await body(store)
            finally:
                await store.aclose()

        return asyncio.run(main())

    def cleanup(self) -> None:
        if self.kind != "redis":
            return
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=f"{self.prefix}*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


def plan(
    request_id: str | None = None,
    *,
    tokens: int = 0,
    windows: tuple[tuple[int, int], ...] = (),
    cap: int | None = None,
    quota: int | None = None,
    lease_ms: int = 60_000,
    org: str = "org_t",
) -> AdmissionPlan:
    """A plan on tenant ``org``: windows as (limit, window_ms), an optional cap and quota."""
    base = f"{{{org}}}"
    return AdmissionPlan(
        request_id or uuid.uuid4().hex,
        tokens,
        lease_ms,
        tuple(
            SlidingWindow(f"{base}:w{i}", limit, size, "rpm", f"tenant {org}")
            for i, (limit, size) in enumerate(windows)
        ),
        (ConcurrencyCap(f"{base}:concurrent", cap, "max_concurrent", f"tenant {org}"),) if cap else (),
        (TokenQuota(f"{base}:tokens", quota, "daily_tokens", f"tenant {org}"),) if quota else (),
    )


def tenant(org_id: str = "org_t", **limits: int) -> Tenant:
    now = datetime.now(UTC)
    return Tenant(
        org_id=org_id,
        name=org_id,
        models=["m"],
        limits=TenantLimits(**limits),
        pricing=TenantPricing(input_per_1k_micros=500, output_per_1k_micros=1500),
        created_at=now,
        updated_at=now,
    )


def call(
    owner: Tenant, *, key_id: str = "key_test", request_id: str | None = None, adapter: str | None = "lora"
) -> CallInfo:
    key = ApiKey(key_id=key_id, org_id=owner.org_id, scope="tenant", prefix="psk-xxxx", created_at=owner.created_at)
    return CallInfo(
        request_id=request_id or f"chatcmpl-{uuid.uuid4().hex}",
        caller=Caller(key=key, tenant=owner),
        public_model="m",
        model="m",
        adapter=adapter,
        sampling=SamplingParams(max_tokens=16),
        created=0,
        request_digest="0" * 64,
    )
