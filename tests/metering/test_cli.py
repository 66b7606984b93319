"""``paramstack usage`` and ``paramstack cost-report`` on the embedded default (SQLite), in-process."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from typer.testing import CliRunner

from paramstack.cli.context import CliContext
from paramstack.cli.main import app
from paramstack.metering.ledger import UsageLedger
from paramstack.tenancy.models import TenantSpec
from tests.metering.test_ledger import record


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("PARAMSTACK_HOME", str(tmp_path))
    monkeypatch.delenv("PARAMSTACK_CONFIG", raising=False)
    (tmp_path / "paramstack.yaml").write_text(
        "metering:\n  cost:\n    gpu_hour_price: '2.0'\n    gpu_output_tokens_per_s: 2500\n", encoding="utf-8"
    )
    ctx = CliContext.load()
    ctx.tenants.add("org_a", TenantSpec(name="A"))
    today = datetime.now(UTC).date()
    UsageLedger(ctx.database).write(
        [
            record("r1", day=today, prompt=1000, completion=500, cost=1250),
            record("r2", day=today, model="other", prompt=2000, completion=0, cost=1000),
            record("r3", day=date(2020, 1, 1), cost=7),
        ]
    )
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_usage_prints_a_table_and_json(home):
    text = run("usage", "--tenant", "org_a", "--since", "2026-01-01", "--by", "model")
    assert text.exit_code == 0, text.output
    assert "m " in text.output and "other" in text.output and "0.00225 USD" in text.output
    data = json.loads(run("usage", "--tenant", "org_a", "--json").output)
    assert [t["requests"] for t in data["totals"]] == [3]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("usage", "--tenant", "org_nobody"), "org_nobody"),
        (("usage", "--tenant", "org_a", "--since", "yesterday"), "is not a date"),
        (("usage", "--tenant", "org_a", "--by", "planet"), "cannot group usage by"),
        (("cost-report", "--gpu-hour-price", "-1"), "gpu_hour_price"),
        (("cost-report", "--external-input-per-1k", "cheap"), "is not a decimal number"),
        (("cost-report", "--hybrid-self-hosted-share", "1.5"), "hybrid_self_hosted_share"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_code_2(home, args, message):
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 2 and message in result.output


def test_cost_report_uses_settings_and_flags(home):
    result = run("cost-report", "--external-input-per-1k", "0.003", "--external-output-per-1k", "0.015", "--json")
    report = json.loads(result.output)
    assert report["traffic"] == {"requests": 2, "prompt_tokens": 3000, "completion_tokens": 500}
    assert report["scenarios"]["external_api"]["cost"] == "0.016500"  # 3K x 0.003/1K + 0.5K x 0.015/1K
    assert report["scenarios"]["self_hosted"]["gpu_cost"] == "0.000111"  # 500 tokens / 2500/s x $2/h
    assert report["scenarios"]["hybrid"] is not None
    assert any("prefill" in w for w in report["warnings"])
    assert "self_hosted" in run("cost-report").output  # human text: missing prices are named, not a crash
