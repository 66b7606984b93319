"""One contract, every failed-authentication store: in-process (a clock the test drives) and Redis (real time,
Redis's clock). What an operator would notice: an address is counted exactly, across replicas, its window
closes when it says, a valid key gives its attempt back, and nothing ever goes below zero."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from paramstack.tenancy.failed_auth import FailureStoreUnavailable, failure_store_from_url
from paramstack.tenancy.failed_auth.memory import MemoryFailureStore
from tests.services import REDIS_URL, redis_reachable, require_service


class Harness:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.now = 1000.0
        self.prefix = f"paramstack-test-{uuid.uuid4().hex[:8]}:"

    def store(self):
        if self.kind == "memory":
            return MemoryFailureStore(clock=lambda: self.now)
        return failure_store_from_url(REDIS_URL, prefix=self.prefix)

    async def advance(self, ms: int) -> None:
        if self.kind == "memory":
            self.now += ms / 1000
        else:
            await asyncio.sleep(ms / 1000)


@pytest.fixture(params=["memory", "redis"])
def harness(request):
    if request.param == "redis":
        require_service("Redis", redis_reachable(), REDIS_URL)
    return Harness(request.param)


def test_counts_every_attempt_of_an_address_and_says_when_its_window_closes(harness):
    async def body():
        store = harness.store()
        counts = [await store.hit("203.0.113.7", 1000) for _ in range(5)]
        assert [c.count for c in counts] == [1, 2, 3, 4, 5]
        assert all(800 < c.reset_ms <= 1000 for c in counts)
        assert (await store.hit("198.51.100.1", 1000)).count == 1  # another address: its own count
        await harness.advance(1100)
        assert (await store.hit("203.0.113.7", 1000)).count == 1  # a new window
        await store.aclose()

    asyncio.run(body())


def test_replicas_share_one_count_on_redis_and_concurrent_hits_are_exact(harness):
    async def body():
        replicas = [harness.store() for _ in range(3 if harness.kind == "redis" else 1)]
        counts = await asyncio.gather(*(replicas[i % len(replicas)].hit("203.0.113.9", 60_000) for i in range(60)))
        assert sorted(c.count for c in counts) == list(range(1, 61))  # no attempt lost, none counted twice
        for store in replicas:
            await store.aclose()

    asyncio.run(body())


def test_a_refund_gives_one_attempt_back_never_below_zero_and_keeps_the_window(harness):
    async def body():
        store = harness.store()
        await store.hit("203.0.113.5", 1000)
        await store.hit("203.0.113.5", 1000)
        await store.refund("203.0.113.5")
        assert (await store.hit("203.0.113.5", 1000)).count == 2
        for _ in range(5):
            await store.refund("203.0.113.5")
        await store.refund("192.0.2.200")  # never seen: nothing happens
        await harness.advance(50)
        again = await store.hit("203.0.113.5", 1000)
        assert again.count == 1 and again.reset_ms < 1000  # the window did not restart on refunds
        await store.aclose()

    asyncio.run(body())


def test_an_unreachable_redis_is_reported_as_unavailable_not_as_a_count():
    async def body():
        store = failure_store_from_url("redis://127.0.0.1:1/0", timeout_s=0.2)
        started = time.monotonic()
        with pytest.raises(FailureStoreUnavailable):
            await store.hit("203.0.113.1", 1000)
        assert time.monotonic() - started < 2
        await store.aclose()

    asyncio.run(body())


def test_the_memory_store_forgets_closed_windows():
    now = [0.0]
    store = MemoryFailureStore(clock=lambda: now[0])

    async def body():
        for i in range(1000):
            await store.hit(f"10.0.{i // 256}.{i % 256}", 1000)
        now[0] = 5.0
        await store.hit("10.9.9.9", 1000)

    asyncio.run(body())
    assert len(store._windows) == 1
