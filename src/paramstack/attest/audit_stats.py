"""What the operations console shows from the audit chain: calls per tenant and guard findings.

Every call has exactly one audit entry (refusals included), so the chain is where errors and latency live;
the usage ledger has the billed calls only. Entries that are not calls (admin changes, canary decisions) are
left out. Percentiles are exact, taken by the database (``ORDER BY latency_ms LIMIT 1 OFFSET k``) on both
SQLite and PostgreSQL, one small indexed query per tenant.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from paramstack.attest.admin_audit import NOT_CALLS
from paramstack.attest.canonical import from_micros, to_micros
from paramstack.attest.tables import audit_entries as e

_CALLS = e.c.model.not_in(NOT_CALLS)
_CONTENT_FILTERED = '%"code":"content_filter"%'  # the detail column is canonical JSON: no spaces
_MAX_FINDING_ROWS = 50_000  # a console chart needs no more; a larger window is an export's job


def _filters(since: datetime, org_id: str | None) -> list[sa.ColumnElement[bool]]:
    filters = [e.c.ts_us >= to_micros(since), _CALLS]
    if org_id is not None:
        filters.append(e.c.org_id == org_id)
    return filters


def calls_by_tenant(database: Engine, since: datetime, org_id: str | None = None) -> list[dict[str, Any]]:
    """Per tenant since ``since``: calls, tokens, errors (HTTP status >= 400), p50 and p99 latency in ms."""
    filters = _filters(since, org_id)
    sums = (
        sa.select(
            e.c.org_id,
            sa.func.count().label("calls"),
            sa.func.coalesce(sa.func.sum(e.c.prompt_tokens), 0).label("prompt_tokens"),
            sa.func.coalesce(sa.func.sum(e.c.completion_tokens), 0).label("completion_tokens"),
            sa.func.coalesce(sa.func.sum(sa.case((e.c.http_status >= 400, 1), else_=0)), 0).label("errors"),
        )
        .where(*filters)
        .group_by(e.c.org_id)
        .order_by(e.c.org_id)
    )
    rows = []
    with database.connect() as connection:
        for row in connection.execute(sums):
            calls = int(row.calls)
            rows.append(
                {
                    "org_id": row.org_id,
                    "calls": calls,
                    "prompt_tokens": int(row.prompt_tokens),
                    "completion_tokens": int(row.completion_tokens),
                    "total_tokens": int(row.prompt_tokens) + int(row.completion_tokens),
                    "errors": int(row.errors),
                    "p50_ms": _percentile(connection, filters, row.org_id, calls, 0.50),
                    "p99_ms": _percentile(connection, filters, row.org_id, calls, 0.99),
                }
            )
    return rows


def _percentile(
    connection: Connection, filters: list[sa.ColumnElement[bool]], org_id: str, count: int, share: float
) -> int | None:
    if count == 0:
        return None
    offset = max(0, math.ceil(share * count) - 1)  # nearest-rank: the smallest value with share of calls at or below
    query = (
        sa.select(e.c.latency_ms).where(*filters, e.c.org_id == org_id).order_by(e.c.latency_ms).limit(1).offset(offset)
    )
    value = connection.execute(query).scalar()
    return int(value) if value is not None else None


def guard_findings(database: Engine, since: datetime, org_id: str | None = None, recent: int = 50) -> dict[str, Any]:
    """Finding counts per UTC day, tenant and kind, and the most recent blocked calls (refused with findings, or
    their output withheld), as ids and codes only: the chain holds no text, so none can be shown."""
    filters = _filters(since, org_id)
    with_findings = (
        sa.select(e.c.ts_us, e.c.org_id, e.c.guard)
        .where(*filters, e.c.guard != "{}")
        .order_by(e.c.seq.desc())
        .limit(_MAX_FINDING_ROWS)
    )
    # Blocked: refused with findings (the input guard), or answered with the output withheld (content filter).
    was_blocked = sa.or_(sa.and_(e.c.status != "ok", e.c.guard != "{}"), e.c.detail.like(_CONTENT_FILTERED))
    blocked = (
        sa.select(e.c.seq, e.c.ts_us, e.c.request_id, e.c.org_id, e.c.status, e.c.http_status, e.c.guard, e.c.detail)
        .where(*filters, was_blocked)
        .order_by(e.c.seq.desc())
        .limit(recent)
    )
    counts: Counter[tuple[str, str, str]] = Counter()
    with database.connect() as connection:
        for row in connection.execute(with_findings):
            day = from_micros(row.ts_us).astimezone(UTC).date().isoformat()
            for kind, count in json.loads(row.guard).items():
                counts[(day, row.org_id, kind)] += int(count)
        recent_blocked = [
            {
                "seq": r.seq,
                "timestamp": from_micros(r.ts_us).isoformat(),
                "request_id": r.request_id,
                "org_id": r.org_id,
                "status": r.status,
                "http_status": r.http_status,
                "codes": sorted(json.loads(r.guard)),
                "outcome_code": json.loads(r.detail).get("code") if r.detail else None,
            }
            for r in connection.execute(blocked)
        ]
    by_day = [
        {"day": day, "org_id": org, "kind": kind, "count": count} for (day, org, kind), count in sorted(counts.items())
    ]
    return {"since": since.isoformat(), "tenant": org_id, "by_day": by_day, "blocked": recent_blocked}


def admin_actions(database: Engine, limit: int = 50) -> list[dict[str, Any]]:
    """The most recent changes made through the admin API and the console, newest first."""
    query = (
        sa.select(e.c.seq, e.c.ts_us, e.c.request_id, e.c.org_id, e.c.api_key_id, e.c.status)
        .where(e.c.model.in_(NOT_CALLS))
        .order_by(e.c.seq.desc())
        .limit(limit)
    )
    with database.connect() as connection:
        return [
            {
                "seq": r.seq,
                "timestamp": from_micros(r.ts_us).isoformat(),
                "action": r.status,
                "org_id": r.org_id,
                "api_key_id": r.api_key_id,
                "request_id": r.request_id,
            }
            for r in connection.execute(query)
        ]
