"""The admission step as the pipeline uses it: headers, 429s a client can act on, and the bill."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from prometheus_client import CollectorRegistry

from paramstack.calls import UsageCounts
from paramstack.errors import QuotaExceeded, RateLimited
from paramstack.metering.admission import AdmissionController
from paramstack.metering.ledger import UsageLedger
from paramstack.metering.metrics import MeteringMetrics
from paramstack.metering.settings import KeyLimits, MeteringSettings
from paramstack.metering.storage.memory import MemoryStore
from paramstack.metering.tables import usage_ledger
from paramstack.metering.verdict import format_duration
from paramstack.storage.database import create_db_engine
from paramstack.storage.migrate import upgrade_to_head
from tests.metering.harness import FakeClock, call, tenant


@pytest.fixture
def database(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    upgrade_to_head(engine)
    return engine


def controller(database, clock: FakeClock | None = None, **settings) -> AdmissionController:
    clock = clock or FakeClock()
    return AdmissionController(
        MemoryStore(clock=clock.monotonic, wall_clock=clock.wall),
        UsageLedger(database),
        settings=MeteringSettings(**settings),
        metrics=MeteringMetrics(CollectorRegistry()),
    )


def rows(database) -> list[dict]:
    with database.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(sa.select(usage_ledger))]


def test_admitted_calls_carry_openais_rate_limit_headers(database):
    owner = tenant(rpm=100, tps=50, daily_tokens=10_000)

    async def body():
        admission = controller(database)
        first = await admission.admit(call(owner), 300)
        second = await admission.admit(call(owner), 200)
        return first.headers, second.headers

    first, second = asyncio.run(body())
    assert first == {
        "x-ratelimit-limit-requests": "100",
        "x-ratelimit-remaining-requests": "99",
        "x-ratelimit-reset-requests": "1m0s",
        "x-ratelimit-limit-tokens": "10000",
        "x-ratelimit-remaining-tokens": "9700",
        "x-ratelimit-reset-tokens": "12h0m0s",
    }
    assert second["x-ratelimit-remaining-requests"] == "98" and second["x-ratelimit-remaining-tokens"] == "9500"


def test_a_refusal_says_which_limit_and_when_to_retry(database):
    owner = tenant(rpm=100, tps=2, daily_tokens=10_000)
    clock = FakeClock()

    async def body():
        admission = controller(database, clock)
        await admission.admit(call(owner), 10)
        clock.advance_ms(250)
        await admission.admit(call(owner), 10)
        with pytest.raises(RateLimited) as refused:
            await admission.admit(call(owner), 10)
        return refused.value

    error = asyncio.run(body())
    assert error.status_code == 429 and error.code == "rate_limit_exceeded"
    assert "requests per second (TPS)" in error.message and "limit 2" in error.message
    assert error.headers["retry-after-ms"] == "750" and error.headers["retry-after"] == "1"
    assert error.headers["x-ratelimit-remaining-requests"] == "98"


def test_quota_refusals_tell_a_too_big_request_from_a_spent_quota(database):
    owner = tenant(daily_tokens=1_000)

    async def body():
        admission = controller(database)
        with pytest.raises(QuotaExceeded) as too_big:
            await admission.admit(call(owner), 1_001)
        ticket = await admission.admit(call(owner), 900)
        with pytest.raises(QuotaExceeded) as in_flight:
            await admission.admit(call(owner), 200)
        await ticket.settle(UsageCounts(500, 400), delivered=True)
        with pytest.raises(QuotaExceeded) as spent:
            await admission.admit(call(owner), 200)
        return too_big.value, in_flight.value, spent.value

    too_big, in_flight, spent = asyncio.run(body())
    assert too_big.param == "max_tokens" and "more than the daily token quota of 1000" in too_big.message
    assert too_big.error_type == "insufficient_quota"
    assert in_flight.headers["retry-after"] == "1"  # a reservation may come back any moment
    assert spent.headers["retry-after"] == str(12 * 3600) and "resets at 00:00 UTC" in spent.message
    assert spent.headers["x-ratelimit-remaining-tokens"] == "100"


def test_settle_writes_one_ledger_row_with_the_exact_cost(database):
    owner = tenant(daily_tokens=10_000)

    async def body():
        admission = controller(database)
        the_call = call(owner, key_id="key_abc", adapter="medical-lora")
        ticket = await admission.admit(the_call, 500)
        cost = await ticket.settle(UsageCounts(123, 45), delivered=True)
        again = await ticket.settle(UsageCounts(123, 45), delivered=True)
        return the_call, cost, again

    the_call, cost, again = asyncio.run(body())
    assert cost == again == (123 * 500 + 45 * 1500 + 500) // 1000 == 129  # 129.0 micro-units, half up
    (row,) = rows(database)
    assert row["request_id"] == the_call.request_id and row["key_id"] == "key_abc"
    assert (row["model"], row["adapter"], row["usage_day"].isoformat()) == ("m", "medical-lora", "2026-01-01")
    assert (row["prompt_tokens"], row["completion_tokens"], row["cost_micros"]) == (123, 45, 129)
    assert (row["currency"], row["input_per_1k_micros"], row["output_per_1k_micros"]) == ("USD", 500, 1500)
    assert row["delivered"] is True


def test_a_cancelled_settle_still_bills_and_refunds(database):
    """A client that disconnects cancels its request task while settle runs: the work must finish."""
    owner = tenant(daily_tokens=1_000, max_concurrent=1)

    async def body():
        admission = controller(database)
        ticket = await admission.admit(call(owner), 900)
        settling = asyncio.ensure_future(ticket.settle(UsageCounts(10, 5), delivered=False))
        await asyncio.sleep(0)
        settling.cancel()
        with pytest.raises(asyncio.CancelledError):
            await settling
        for _ in range(100):  # the shielded work completes on its own
            if rows(database):
                break
            await asyncio.sleep(0.01)
        return await admission.admit(call(owner), 985)  # slot released and 885 tokens refunded

    assert asyncio.run(body()).headers["x-ratelimit-remaining-tokens"] == "0"
    (row,) = rows(database)
    assert row["delivered"] is False and row["completion_tokens"] == 5


def test_key_limits_bind_each_key_inside_its_tenant(database):
    owner = tenant(rpm=100)

    async def body():
        admission = controller(database, key_limits=KeyLimits(rpm=2))
        for _ in range(2):
            await admission.admit(call(owner, key_id="key_a"), 1)
        with pytest.raises(RateLimited) as refused:
            await admission.admit(call(owner, key_id="key_a"), 1)
        await admission.admit(call(owner, key_id="key_b"), 1)
        return refused.value

    error = asyncio.run(body())
    assert "key key_a" in error.message and error.headers["x-ratelimit-remaining-requests"] == "98"


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, "0ms"),
        (250, "250ms"),
        (1000, "1s"),
        (1500, "1.5s"),
        (60_000, "1m0s"),
        (361_000, "6m1s"),
        (7_380_000, "2h3m0s"),
    ],
)
def test_durations_look_like_openais(ms, text):
    assert format_duration(ms) == text
