"""Clock behaviour of the in-process store (its clocks can be stepped by hand; Redis's cannot)."""

from __future__ import annotations

import asyncio
from collections import deque

from paramstack.metering.storage.base import Receipt
from paramstack.metering.storage.memory import MemoryStore
from paramstack.metering.strategies import window_now
from tests.metering.harness import FakeClock, plan


def test_a_clock_step_back_within_a_window_never_admits_more():
    clock = FakeClock()
    store = MemoryStore(clock=clock.monotonic, wall_clock=clock.wall)

    async def body():
        for _ in range(3):
            assert (await store.admit(plan(windows=((3, 1000),)))).admitted
        clock.mono_s -= 0.5  # the clock steps back half a window
        refused = await store.admit(plan(windows=((3, 1000),)))
        assert not refused.admitted and refused.windows[0].retry_ms == 1000  # time stands still
        clock.mono_s += 1.5  # back to real time + one window
        assert (await store.admit(plan(windows=((3, 1000),)))).admitted

    asyncio.run(body())


def test_a_step_back_larger_than_the_window_drops_the_log_instead_of_locking_the_tenant_out():
    log = deque([10_000, 9_500])
    assert window_now(log, 9_800, 1_000) == 10_000 and list(log) == [10_000, 9_500]
    assert window_now(log, 2_000, 1_000) == 2_000 and not log


def test_a_call_admitted_before_midnight_settles_on_its_own_day():
    clock = FakeClock(wall_s=1_767_312_000.0 - 0.5)  # 2026-01-01 23:59:59.5 UTC
    store = MemoryStore(clock=clock.monotonic, wall_clock=clock.wall)

    async def body():
        late = plan(tokens=100, quota=150)
        before = await store.admit(late)
        assert before.admitted and before.ms_to_day_end == 500
        clock.advance_ms(1000)
        after = await store.admit(plan(tokens=100, quota=150))  # a new day: a fresh quota
        assert after.admitted and after.day == before.day + 1 and after.quotas[0].reserved == 100
        settled = await store.settle(Receipt.of(late, before.day), 80)
        assert (settled[0].used, settled[0].reserved) == (80, 0)  # yesterday's counters, not today's
        assert not (await store.admit(plan(tokens=100, quota=150))).admitted  # today: 100 reserved + 100

    asyncio.run(body())
