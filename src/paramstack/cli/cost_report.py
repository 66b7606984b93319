"""``paramstack cost-report``: self-hosted vs external API vs the hybrid split, from the real ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import typer

from paramstack.cli.context import CliContext
from paramstack.cli.output import cli_errors, emit
from paramstack.cli.usage import parse_day
from paramstack.errors import InvalidRequest
from paramstack.metering.cost_report import Traffic, cost_report
from paramstack.metering.settings import CostModel
from paramstack.metering.usage_report import UsageQuery, ledger_totals

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
Price = Annotated[str | None, typer.Option(help="Overrides metering.cost in the settings (a decimal).")]


def register(app: typer.Typer) -> None:
    app.command("cost-report")(cost_report_command)


def cost_report_command(
    since: Annotated[str | None, typer.Option(help="First UTC day, YYYY-MM-DD (default: 29 days ago).")] = None,
    until: Annotated[str | None, typer.Option(help="Last UTC day, YYYY-MM-DD (default: today).")] = None,
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's traffic (default: all).")] = None,
    gpu_hour_price: Price = None,
    gpu_output_tokens_per_s: Price = None,
    gpu_prompt_tokens_per_s: Price = None,
    infra_monthly_price: Price = None,
    external_input_per_1k: Price = None,
    external_output_per_1k: Price = None,
    hybrid_self_hosted_share: Price = None,
    currency: Annotated[str | None, typer.Option(help="Currency of the prices above.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Cost of the ledger's traffic: external API only, self-hosted, and the hybrid split."""
    with cli_errors():
        ctx = CliContext.load()
        flags = {
            "gpu_hour_price": gpu_hour_price,
            "gpu_output_tokens_per_s": gpu_output_tokens_per_s,
            "gpu_prompt_tokens_per_s": gpu_prompt_tokens_per_s,
            "infra_monthly_price": infra_monthly_price,
            "external_input_per_1k": external_input_per_1k,
            "external_output_per_1k": external_output_per_1k,
            "hybrid_self_hosted_share": hybrid_self_hosted_share,
        }
        changes: dict[str, Any] = {k: _decimal(v, k) for k, v in flags.items() if v is not None}
        if currency is not None:
            changes["currency"] = currency
        prices = _prices(ctx.settings.metering.cost, changes)
        if tenant is not None:
            ctx.tenants.get(tenant)
        today = datetime.now(UTC).date()
        last = parse_day(until, "until") or today
        first = parse_day(since, "since") or last - timedelta(days=29)
        totals = ledger_totals(ctx.database, UsageQuery(tenant=tenant, since=first, until=last, group_by=()))
        report = cost_report(Traffic(since=first, until=last, **totals), prices, tenant=tenant)
    emit(report, as_json, render_cost_report)


def _decimal(text: str, name: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidRequest(f"--{name.replace('_', '-')}: {text!r} is not a decimal number", param=name) from None
    if not value.is_finite():
        raise InvalidRequest(f"--{name.replace('_', '-')}: {text!r} is not a finite number", param=name)
    return value


def _prices(base: CostModel, changes: dict[str, Any]) -> CostModel:
    from pydantic import ValidationError

    try:
        return CostModel.model_validate(base.model_dump() | changes)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
        raise InvalidRequest(f"invalid prices: {problems}") from None


def render_cost_report(report: dict[str, Any]) -> str:
    period, traffic, currency = report["period"], report["traffic"], report["currency"]
    lines = [
        f"period {period['since']} .. {period['until']} ({period['days']} days)"
        + (f", tenant {report['tenant']}" if report["tenant"] else ", all tenants"),
        f"traffic: {traffic['requests']:,} requests, {traffic['prompt_tokens']:,} prompt + "
        f"{traffic['completion_tokens']:,} completion tokens",
        "",
    ]
    lines.append(f"{'scenario':<14}{'total':>16}{'per request':>16}{'per 30 days':>16}{'vs external':>13}")
    for name, scenario in report["scenarios"].items():
        if scenario is None:
            lines.append(f"{name:<14}{'(prices missing)':>16}")
            continue
        lines.append(
            f"{name:<14}{scenario['cost']:>16}{scenario['per_request'] or '-':>16}"
            f"{scenario['per_30_days']:>16}{scenario.get('savings_vs_external', '-'):>13}"
        )
    lines.append(f"(amounts in {currency})")
    lines += [f"warning: {w}" for w in report["warnings"]]
    return "\n".join(lines)
