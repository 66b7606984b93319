"""What only the Redis store can get wrong: its clock, an unreachable server, a reply lost mid-script."""

from __future__ import annotations

import asyncio
import time

import pytest
import redis

from paramstack.calls import UsageCounts
from paramstack.errors import ServiceUnavailable
from paramstack.metering.admission import AdmissionController
from paramstack.metering.ledger import UsageLedger
from paramstack.metering.metrics import MeteringMetrics
from paramstack.metering.settings import MeteringSettings
from paramstack.metering.storage.base import StoreUnavailable
from paramstack.metering.storage.redis import RedisStore
from paramstack.storage.database import create_db_engine
from paramstack.storage.migrate import upgrade_to_head
from tests.metering.harness import call, plan, tenant
from tests.metering.tcp_proxy import TcpProxy
from tests.services import REDIS_URL, redis_reachable, require_service

pytestmark = pytest.mark.redis


@pytest.fixture
def prefix():
    require_service("Redis", redis_reachable(), REDIS_URL)
    name = f"paramstack-test:{time.time_ns()}:"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{name}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def proxy():
    server = TcpProxy().start()
    yield server
    server.stop()


def test_decisions_use_redis_clock(prefix):
    async def body():
        store = RedisStore(REDIS_URL, prefix=prefix)
        try:
            decision = await store.admit(plan(windows=((5, 1000),)))
        finally:
            await store.aclose()
        seconds, micros = redis.Redis.from_url(REDIS_URL).time()
        return decision, seconds * 1000 + micros // 1000

    decision, redis_now = asyncio.run(body())
    assert 0 <= redis_now - decision.wall_ms < 1000
    assert decision.day == decision.wall_ms // 86_400_000


def test_unreachable_redis_fails_fast(prefix, proxy):
    proxy.set_mode("down")

    async def body():
        store = RedisStore(proxy.url, prefix=prefix)
        started = time.perf_counter()
        with pytest.raises(StoreUnavailable, match="did not answer"):
            await store.admit(plan(windows=((5, 1000),)))
        await store.aclose()
        return time.perf_counter() - started

    assert asyncio.run(body()) < 1.0


def controller(url: str, prefix: str, tmp_path, **settings) -> tuple[AdmissionController, MeteringMetrics]:
    from prometheus_client import CollectorRegistry

    database = create_db_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    upgrade_to_head(database)
    metrics = MeteringMetrics(CollectorRegistry())
    return AdmissionController(
        RedisStore(url, prefix=prefix), UsageLedger(database), settings=MeteringSettings(**settings), metrics=metrics
    ), metrics


def unavailable_count(metrics: MeteringMetrics, operation: str, action: str) -> float:
    return metrics.store_unavailable.labels(operation, action)._value.get()


def test_a_reply_lost_mid_script_refuses_the_call_and_returns_what_it_reserved(prefix, proxy, tmp_path):
    owner = tenant(rpm=100, tps=100, max_concurrent=2, daily_tokens=1000)

    async def body():
        direct = RedisStore(REDIS_URL, prefix=prefix)
        admission, metrics = controller(proxy.url, prefix, tmp_path)
        warm = await admission.admit(call(owner), 0)  # loads both scripts into Redis
        await warm.settle(UsageCounts(0, 0), delivered=True)
        proxy.set_mode("drop_script_replies")
        with pytest.raises(ServiceUnavailable) as refused:
            await admission.admit(call(owner), 400)
        await admission.aclose()  # waits for the background hand-back
        probe = await direct.admit(plan(tokens=0, quota=1000, org=owner.org_id))
        await direct.aclose()
        return refused.value, probe, metrics

    error, probe, metrics = asyncio.run(body())
    assert error.status_code == 503 and error.code == "rate_limiter_unavailable"
    assert error.headers["retry-after"] == "1"
    assert unavailable_count(metrics, "admit", "rejected") == 1
    # The script ran (its reply was lost): the hand-back returned its 400 tokens; nothing is negative.
    assert probe.quotas[0].reserved == 0 and probe.quotas[0].used == 0


def test_fail_open_admits_and_still_counts_usage_once(prefix, proxy, tmp_path):
    owner = tenant(daily_tokens=1000)

    async def body():
        admission, metrics = controller(proxy.url, prefix, tmp_path, on_store_error="fail_open")
        warm = await admission.admit(call(owner), 0)
        await warm.settle(UsageCounts(0, 0), delivered=True)
        proxy.set_mode("drop_script_replies")
        ticket = await admission.admit(call(owner), 300)
        cost = await ticket.settle(UsageCounts(100, 50), delivered=True)
        await admission.aclose()
        direct = RedisStore(REDIS_URL, prefix=prefix)
        probe = await direct.admit(plan(tokens=0, quota=1000, org=owner.org_id))
        await direct.aclose()
        return ticket, cost, probe, metrics

    ticket, cost, probe, metrics = asyncio.run(body())
    assert ticket.headers == {}
    assert cost == (100 * 500 + 50 * 1500 + 500) // 1000
    assert unavailable_count(metrics, "admit", "admitted") == 1
    # Charged exactly once although every settle reply was lost: used 150, no reservation left behind.
    assert (probe.quotas[0].used, probe.quotas[0].reserved) == (150, 0)
