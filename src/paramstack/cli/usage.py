"""``paramstack usage``: a tenant's tokens and cost from the usage ledger, per day (or key, model, adapter)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer

from paramstack.cli.context import CliContext
from paramstack.cli.output import cli_errors, emit
from paramstack.metering.usage_report import DIMENSIONS, UsageQuery, usage_report

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def register(app: typer.Typer) -> None:
    app.command("usage")(usage)


def usage(
    tenant: Annotated[str, typer.Option(help="Tenant id, e.g. org_medical.")],
    since: Annotated[str | None, typer.Option(help="First UTC day, YYYY-MM-DD (default: all).")] = None,
    until: Annotated[str | None, typer.Option(help="Last UTC day, YYYY-MM-DD (default: no end).")] = None,
    by: Annotated[
        list[str] | None, typer.Option(help=f"Group by ({', '.join(DIMENSIONS)}); repeat for several. Default: day.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Requests, tokens and cost of one tenant, from the usage ledger."""
    with cli_errors():
        ctx = CliContext.load()
        ctx.tenants.get(tenant)  # an unknown tenant is an error, not an empty report
        query = UsageQuery(
            tenant=tenant,
            since=parse_day(since, "since"),
            until=parse_day(until, "until"),
            group_by=tuple(by or ("day",)),
        )
        report = usage_report(ctx.database, query)
    emit(report, as_json, render_usage)


def parse_day(text: str | None, name: str) -> date | None:
    from paramstack.errors import InvalidRequest

    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidRequest(f"--{name}: {text!r} is not a date (YYYY-MM-DD)", param=name) from None


def render_usage(report: dict[str, Any]) -> str:
    groups = report["group_by"]
    header = [*groups, "requests", "prompt", "completion", "cost"]
    lines = [
        [str(row[g]) if row[g] is not None else "-" for g in groups]
        + [
            f"{row['requests']:,}",
            f"{row['prompt_tokens']:,}",
            f"{row['completion_tokens']:,}",
            f"{row['cost']} {row['currency']}",
        ]
        for row in report["rows"]
    ]
    lines += [
        [
            "total",
            *[""] * (len(groups) - 1),
            f"{t['requests']:,}",
            f"{t['prompt_tokens']:,}",
            f"{t['completion_tokens']:,}",
            f"{t['cost']} {t['currency']}",
        ]
        for t in report["totals"]
    ]
    if not report["rows"]:
        return f"no usage for {report['tenant']} in this period"
    widths = [max(len(cell) for cell in column) for column in zip(header, *lines, strict=True)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() for line in [header, *lines]
    )
