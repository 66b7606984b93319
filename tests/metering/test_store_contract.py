"""One contract, every limiter store: the in-process store (with a clock the test drives to the
millisecond) and Redis (real time, Redis's own clock). Behaviour a tenant would notice: exact windows with
no double burst at an edge, quotas that are never exceeded and refund what was not used, leases."""

from __future__ import annotations

import asyncio
import random

from paramstack.metering.storage.base import Receipt
from tests.metering.harness import plan


def test_window_admits_the_limit_then_refuses_until_the_oldest_admission_leaves(harness):
    async def body(store):
        assert (await store.admit(plan(windows=((5, 1000),)))).admitted
        await harness.advance(500)
        for _ in range(4):
            assert (await store.admit(plan(windows=((5, 1000),)))).admitted
        refused = await store.admit(plan(windows=((5, 1000),)))
        assert not refused.admitted
        wait = refused.windows[0].retry_ms
        assert 400 < wait <= 500 and refused.windows[0].count == 5
        if harness.exact:  # to the millisecond: still inside at 999 ms, gone at 1000 ms
            assert wait == 500
            await harness.advance(wait - 1)
            assert not (await store.admit(plan(windows=((5, 1000),)))).admitted
            await harness.advance(1)
        else:
            await harness.advance(wait + 30)
        assert (await store.admit(plan(windows=((5, 1000),)))).admitted  # exactly one slot came free
        assert not (await store.admit(plan(windows=((5, 1000),)))).admitted

    harness.run(body)


def test_a_burst_at_a_window_edge_is_not_admitted_twice(harness):
    """A fixed window would admit 5 at 0.9 s and 5 more at 1.05 s; a sliding window admits none more."""

    async def body(store):
        await harness.advance(900)
        burst = [await store.admit(plan(windows=((5, 1000),))) for _ in range(5)]
        assert all(d.admitted for d in burst)
        await harness.advance(150)  # past where a fixed one-second window would have restarted
        again = [await store.admit(plan(windows=((5, 1000),))) for _ in range(5)]
        assert not any(d.admitted for d in again)
        assert all(800 <= d.windows[0].retry_ms <= 850 for d in again)

    harness.run(body)


def test_no_window_ever_holds_more_than_the_limit_and_no_call_is_refused_needlessly(harness):
    limit, window = 10, 200
    rng = random.Random(7)

    async def body(store):
        admitted: list[int] = []
        for _ in range(600 if harness.exact else 300):
            decision = await store.admit(plan(windows=((limit, window),)))
            if decision.admitted:
                admitted.append(decision.wall_ms)
            else:  # refused only when the window really is full
                inside = [t for t in admitted if t > decision.wall_ms - window]
                assert len(inside) >= limit
            await harness.advance(rng.choice((0, 0, 1, 3, 7, 20, 45)))
        return admitted

    admitted = harness.run(body)
    assert len(admitted) > 3 * limit
    # The (limit+1)-th admission after any admission is at least one window later.
    assert all(later - earlier >= window for earlier, later in zip(admitted, admitted[limit:], strict=False))


def test_quota_reserves_settles_to_actual_usage_and_refunds_the_rest(harness):
    async def body(store):
        first = plan(tokens=600, quota=1000)
        decision = await store.admit(first)
        assert decision.admitted and decision.quotas[0].reserved == 600
        blocked = await store.admit(plan(tokens=600, quota=1000))
        assert not blocked.admitted and (blocked.quotas[0].used, blocked.quotas[0].reserved) == (0, 600)
        settled = await store.settle(Receipt.of(first, decision.day), 100)
        assert (settled[0].used, settled[0].reserved) == (100, 0)  # 500 refunded
        assert (await store.admit(plan(tokens=600, quota=1000))).admitted
        last = await store.admit(plan(tokens=301, quota=1000))
        assert not last.admitted and (last.quotas[0].used, last.quotas[0].reserved) == (100, 600)
        assert (await store.admit(plan(tokens=300, quota=1000))).admitted  # exactly up to the quota

    harness.run(body)


def test_concurrent_random_sizes_never_exceed_the_quota(harness):
    limit = 5_000
    rng = random.Random(11)

    async def body(store):
        used: list[int] = []

        async def one() -> None:
            tokens = rng.randint(1, 400)
            admission = plan(tokens=tokens, quota=limit)
            decision = await store.admit(admission)
            balance = decision.quotas[0]
            assert balance.used + balance.reserved <= limit
            if not decision.admitted:
                return
            await asyncio.sleep(rng.random() * 0.01)
            actual = rng.randint(0, tokens)
            after = await store.settle(Receipt.of(admission, decision.day), actual)
            assert after[0].used + after[0].reserved <= limit and after[0].reserved >= 0
            used.append(actual)

        await asyncio.gather(*(one() for _ in range(300)))
        final = await store.admit(plan(tokens=0, quota=limit))
        return used, final.quotas[0]

    used, final = harness.run(body)
    assert len(used) > 20
    assert sum(used) <= limit
    assert (final.used, final.reserved) == (sum(used), 0)


def test_a_call_refused_by_one_limit_consumes_no_other(harness):
    async def body(store):
        refused = await store.admit(plan(tokens=200, windows=((10, 60_000),), cap=5, quota=100))
        assert not refused.admitted and refused.windows[0].count == 0
        admitted = await store.admit(plan(tokens=50, windows=((10, 60_000),), cap=5, quota=100))
        assert admitted.admitted
        assert admitted.windows[0].count == 1 and admitted.caps[0].in_flight == 1
        assert admitted.quotas[0].reserved == 50

    harness.run(body)


def test_concurrency_cap_and_release_on_settle(harness):
    async def body(store):
        held = [plan(cap=3) for _ in range(3)]
        decisions = [await store.admit(p) for p in held]
        assert [d.caps[0].in_flight for d in decisions] == [1, 2, 3]
        assert not (await store.admit(plan(cap=3))).admitted
        await store.settle(Receipt.of(held[0], decisions[0].day), 0)
        assert (await store.admit(plan(cap=3))).admitted
        assert not (await store.admit(plan(cap=3))).admitted

    harness.run(body)


def test_a_lease_never_released_expires(harness):
    """A replica killed mid-call never settles; its slot comes back when the lease runs out."""

    async def body(store):
        assert (await store.admit(plan(cap=1, lease_ms=300))).admitted
        assert not (await store.admit(plan(cap=1, lease_ms=300))).admitted
        await harness.advance(320)
        assert (await store.admit(plan(cap=1, lease_ms=300))).admitted

    harness.run(body)


def test_settle_is_idempotent_and_balances_never_go_negative(harness):
    async def body(store):
        admission = plan("call-1", tokens=100, quota=1000, cap=2)
        decision = await store.admit(admission)
        receipt = Receipt.of(admission, decision.day)
        assert (await store.settle(receipt, 40))[0].used == 40
        assert (await store.settle(receipt, 40))[0].used == 40  # a retried settle counts nothing twice
        stranger = Receipt.of(plan("never-admitted", quota=1000, cap=2), decision.day)
        after = await store.settle(stranger, 999)  # nothing reserved under that id: nothing changes
        assert (after[0].used, after[0].reserved) == (40, 0)

    harness.run(body)


def test_a_fail_open_call_is_charged_once(harness):
    async def body(store):
        decision = await store.admit(plan(tokens=0, quota=1000))
        receipt = Receipt.of(plan("open-call", quota=1000), decision.day)
        assert (await store.settle(receipt, 70, charge_unreserved=True))[0].used == 70
        assert (await store.settle(receipt, 70, charge_unreserved=True))[0].used == 70

    harness.run(body)


def test_limits_of_different_tenants_do_not_interfere(harness):
    async def body(store):
        assert (await store.admit(plan(windows=((1, 60_000),), org="org_a"))).admitted
        assert not (await store.admit(plan(windows=((1, 60_000),), org="org_a"))).admitted
        assert (await store.admit(plan(windows=((1, 60_000),), org="org_b"))).admitted

    harness.run(body)
