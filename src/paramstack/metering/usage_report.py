"""Reading the ledger: usage and cost per tenant, key, model, adapter and day (CLI and /admin/usage)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from paramstack.errors import InvalidRequest
from paramstack.metering.tables import usage_ledger
from paramstack.tenancy.money import format_micros

DIMENSIONS: dict[str, sa.ColumnElement[Any]] = {
    "day": usage_ledger.c.usage_day,
    "tenant": usage_ledger.c.org_id,
    "key": usage_ledger.c.key_id,
    "model": usage_ledger.c.model,
    "adapter": usage_ledger.c.adapter,
}


@dataclass(frozen=True)
class UsageQuery:
    tenant: str | None = None
    since: date | None = None  # inclusive, UTC days
    until: date | None = None  # inclusive
    group_by: Sequence[str] = ("day",)

    def __post_init__(self) -> None:
        unknown = [g for g in self.group_by if g not in DIMENSIONS]
        if unknown:
            raise InvalidRequest(f"cannot group usage by {unknown}; use any of {sorted(DIMENSIONS)}", param="by")
        if self.since and self.until and self.since > self.until:
            raise InvalidRequest(f"since ({self.since}) is after until ({self.until})", param="since")


def usage_report(database: Engine, query: UsageQuery) -> dict[str, Any]:
    """Rows grouped by ``query.group_by`` (and currency: amounts in different currencies never add up)."""
    groups = [DIMENSIONS[g].label(g) for g in dict.fromkeys(query.group_by)]
    sums = [
        sa.func.count().label("requests"),
        sa.func.coalesce(sa.func.sum(usage_ledger.c.prompt_tokens), 0).label("prompt_tokens"),
        sa.func.coalesce(sa.func.sum(usage_ledger.c.completion_tokens), 0).label("completion_tokens"),
        sa.func.coalesce(sa.func.sum(usage_ledger.c.cost_micros), 0).label("cost_micros"),
    ]
    currency = usage_ledger.c.currency.label("currency")
    filters = _filters(query)
    rows_sql = (
        sa.select(*groups, currency, *sums)
        .where(*filters)
        .group_by(*groups, currency)
        .order_by(*(sa.nulls_first(g) for g in groups), currency)
    )  # same order on both databases
    totals_sql = sa.select(currency, *sums).where(*filters).group_by(currency).order_by(currency)
    with database.connect() as connection:
        rows = [_row(r._mapping) for r in connection.execute(rows_sql)]
        totals = [_row(r._mapping) for r in connection.execute(totals_sql)]
    return {
        "tenant": query.tenant,
        "since": _iso(query.since),
        "until": _iso(query.until),
        "group_by": list(dict.fromkeys(query.group_by)),
        "rows": rows,
        "totals": totals,
    }


def ledger_totals(database: Engine, query: UsageQuery) -> dict[str, int]:
    """Requests and tokens over the query's range (the cost report's traffic)."""
    sums = (
        sa.func.count().label("requests"),
        sa.func.coalesce(sa.func.sum(usage_ledger.c.prompt_tokens), 0).label("prompt_tokens"),
        sa.func.coalesce(sa.func.sum(usage_ledger.c.completion_tokens), 0).label("completion_tokens"),
    )
    with database.connect() as connection:
        row = connection.execute(sa.select(*sums).where(*_filters(query))).one()
    return {
        "requests": int(row.requests),
        "prompt_tokens": int(row.prompt_tokens),
        "completion_tokens": int(row.completion_tokens),
    }


def _filters(query: UsageQuery) -> list[sa.ColumnElement[bool]]:
    filters: list[sa.ColumnElement[bool]] = []
    if query.tenant:
        filters.append(usage_ledger.c.org_id == query.tenant)
    if query.since:
        filters.append(usage_ledger.c.usage_day >= query.since)
    if query.until:
        filters.append(usage_ledger.c.usage_day <= query.until)
    return filters


def _row(mapping: Any) -> dict[str, Any]:
    row: dict[str, Any] = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in mapping.items()}
    for field in ("requests", "prompt_tokens", "completion_tokens", "cost_micros"):
        row[field] = int(row[field])
    row["total_tokens"] = row["prompt_tokens"] + row["completion_tokens"]
    row["cost"] = format_micros(row["cost_micros"])
    return row


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
