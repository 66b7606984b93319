"""The usage ledger on SQLite and PostgreSQL: idempotent group-committed writes, reports, the cost analysis."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from paramstack.metering.cost_report import Traffic, cost_report
from paramstack.metering.ledger import UsageLedger, UsageRecord
from paramstack.metering.settings import CostModel
from paramstack.metering.tables import usage_ledger
from paramstack.metering.usage_report import UsageQuery, ledger_totals, usage_report
from paramstack.storage.writer import DatabaseWriter


def record(
    request_id: str,
    *,
    org: str = "org_a",
    key: str = "key_1",
    model: str = "m",
    adapter: str | None = None,
    day: date = date(2026, 3, 1),
    prompt: int = 10,
    completion: int = 5,
    cost: int = 13,
    currency: str = "USD",
) -> UsageRecord:
    at = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    return UsageRecord(
        request_id, org, key, model, adapter, day, at, at, prompt, completion, cost, currency, 500, 1500, True
    )


def count(database) -> int:
    with database.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(usage_ledger)).scalar_one()


def test_a_retried_write_never_counts_a_call_twice(database):
    ledger = UsageLedger(database)

    async def body():
        await ledger.record(record("r1", prompt=10))
        await ledger.record(record("r1", prompt=999))  # the same call again: ignored, not doubled
        await asyncio.gather(ledger.record(record("r2")), ledger.record(record("r2")))

    asyncio.run(body())
    assert count(database) == 2
    assert ledger_totals(database, UsageQuery())["prompt_tokens"] == 20


def test_concurrent_settles_share_transactions_and_all_commit(database):
    ledger = UsageLedger(database, writer=DatabaseWriter(database, max_batch=64))
    commits: list[object] = []
    sa.event.listen(database, "commit", commits.append)

    async def body():
        await asyncio.gather(*(ledger.record(record(f"r{i}")) for i in range(500)))

    asyncio.run(body())
    assert count(database) == 500
    assert 500 / 64 <= len(commits) < 100  # group commit: far fewer transactions than rows, none over the batch size


def test_usage_groups_by_day_key_model_adapter_and_tenant(database):
    rows = [
        record("a1", day=date(2026, 3, 1), key="key_1", adapter="medical-lora", cost=10),
        record("a2", day=date(2026, 3, 1), key="key_2", adapter=None, cost=20),
        record("a3", day=date(2026, 3, 2), key="key_1", adapter="medical-lora", cost=30, prompt=7, completion=1),
        record("b1", org="org_b", day=date(2026, 3, 2), cost=1_000_000, currency="TRY"),
        record("a4", day=date(2026, 2, 27), cost=5),
    ]
    UsageLedger(database).write(rows)

    by_day = usage_report(database, UsageQuery(tenant="org_a", since=date(2026, 3, 1)))
    assert [(r["day"], r["requests"], r["cost_micros"]) for r in by_day["rows"]] == [
        ("2026-03-01", 2, 30),
        ("2026-03-02", 1, 30),
    ]
    assert by_day["totals"] == [
        {
            "currency": "USD",
            "requests": 3,
            "prompt_tokens": 27,
            "completion_tokens": 11,
            "total_tokens": 38,
            "cost_micros": 60,
            "cost": "0.00006",
        }
    ]
    by_key = usage_report(database, UsageQuery(tenant="org_a", group_by=("key", "adapter"), until=date(2026, 3, 1)))
    assert [(r["key"], r["adapter"], r["requests"]) for r in by_key["rows"]] == [
        ("key_1", None, 1),
        ("key_1", "medical-lora", 1),
        ("key_2", None, 1),
    ]
    by_tenant = usage_report(database, UsageQuery(group_by=("tenant",)))
    # Amounts in different currencies are never added together.
    assert [(r["tenant"], r["currency"], r["cost"]) for r in by_tenant["rows"]] == [
        ("org_a", "USD", "0.000065"),
        ("org_b", "TRY", "1"),
    ]


def test_bad_report_queries_are_clear_errors():
    from paramstack.errors import InvalidRequest

    with pytest.raises(InvalidRequest, match="cannot group usage by"):
        UsageQuery(group_by=("planet",))
    with pytest.raises(InvalidRequest, match="is after until"):
        UsageQuery(since=date(2026, 3, 2), until=date(2026, 3, 1))


def test_the_product_descriptions_cost_analysis_from_ledger_traffic():
    """The seed's scenario: 100K requests a month; 60/40 hybrid. Prices here are stated, not built in."""
    traffic = Traffic(
        requests=100_000,
        prompt_tokens=50_000_000,
        completion_tokens=20_000_000,
        since=date(2026, 3, 1),
        until=date(2026, 3, 30),
    )
    prices = CostModel(
        gpu_hour_price=Decimal("2.00"),
        gpu_output_tokens_per_s=Decimal(2500),
        gpu_prompt_tokens_per_s=Decimal(25000),
        infra_monthly_price=Decimal(200),
        external_input_per_1k=Decimal("0.003"),
        external_output_per_1k=Decimal("0.015"),
    )
    report = cost_report(traffic, prices)
    external, self_hosted, hybrid = (report["scenarios"][k] for k in ("external_api", "self_hosted", "hybrid"))
    assert external["cost"] == "450.000000"  # 50M x 0.003/1K + 20M x 0.015/1K
    assert external["per_request"] == "0.00450000"
    # GPU: 20M/2500 + 50M/25000 = 10,000 s = 2.777... h x $2 = $5.555556; + $200 infra
    assert self_hosted["gpu_cost"] == "5.555556" and self_hosted["cost"] == "205.555556"
    assert self_hosted["savings_vs_external"] == "54.3%"
    assert hybrid["cost_micros"] == 383_333_333  # 0.6 x 5.555556 + 0.4 x 450 + 200
    assert report["warnings"] == []


def test_missing_prices_leave_their_scenarios_out_and_say_so():
    traffic = Traffic(0, 0, 0, date(2026, 3, 1), date(2026, 3, 1))
    report = cost_report(traffic, CostModel(external_input_per_1k=Decimal("0.003")))
    assert report["scenarios"] == {"external_api": None, "self_hosted": None, "hybrid": None}
    assert len(report["warnings"]) == 3  # external prices, GPU prices, no traffic
