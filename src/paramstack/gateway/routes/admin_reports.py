"""Reports for the operations console (and any script): calls per tenant, usage per day, CSV, cost, guard.

Admins see every tenant; a tenant (by its key or its console session) sees its own, and asking for another
tenant is a 404. Plain ``def`` handlers: FastAPI runs them in its thread pool, off the event loop.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from paramstack.attest.audit_stats import calls_by_tenant, guard_findings
from paramstack.errors import InvalidRequest
from paramstack.gateway import console_access
from paramstack.gateway.services import Services, services
from paramstack.metering.cost_report import Traffic, cost_report
from paramstack.metering.usage_report import UsageQuery, ledger_totals, usage_report
from paramstack.tenancy.models import ORG_ID_PATTERN

router = APIRouter(prefix="/admin", tags=["admin: reports"])
Svc = Annotated[Services, Depends(services)]
# The tenant id's own pattern: a NUL or another control character never reaches PostgreSQL (it refuses NUL: a 500)
Tenant = Annotated[
    str | None, Query(pattern=ORG_ID_PATTERN, description="Tenant id; all tenants when absent (admins only)")
]
Since = Annotated[date | None, Query(description="First UTC day, inclusive (default: 29 days before until)")]
Until = Annotated[date | None, Query(description="Last UTC day, inclusive (default: today)")]
MAX_DAYS = 366  # one report, one chart: a year of days at most (the CLI and the ledger have the rest)
_WINDOWS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
_CSV_COLUMNS = (
    "day",
    "tenant",
    "currency",
    "requests",
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "cost_micros",
    "cost",
)


def _scoped(request: Request, svc: Services, tenant: str | None) -> str | None:
    org_id = console_access.tenant_scope(console_access.viewer(request, svc), tenant)
    if org_id is not None:
        svc.tenants.get(org_id)  # an unknown tenant is a 404, not an empty report
    return org_id


def _days(since: date | None, until: date | None) -> tuple[date, date]:
    last = until or datetime.now(UTC).date()
    try:
        first = since or last - timedelta(days=29)
    except OverflowError:
        raise InvalidRequest(f"until ({last}) is too early", param="until") from None
    if first > last:
        raise InvalidRequest(f"since ({first}) is after until ({last})", param="since")
    if (last - first).days >= MAX_DAYS:
        raise InvalidRequest(
            f"at most {MAX_DAYS} days at once; {first}..{last} is {(last - first).days + 1}", param="since"
        )
    return first, last


@router.get("/overview")
def overview(request: Request, svc: Svc, tenant: Tenant = None) -> dict[str, Any]:
    """Calls, tokens, errors and p50/p99 latency per tenant over the last hour and the last day (audit chain)."""
    org_id = _scoped(request, svc, tenant)
    now = datetime.now(UTC)
    return {
        "object": "overview",
        "tenant": org_id,
        "generated_at": now.isoformat(),
        "windows": {name: calls_by_tenant(svc.database, now - span, org_id) for name, span in _WINDOWS.items()},
    }


@router.get("/usage/daily")
def usage_daily(
    request: Request, svc: Svc, tenant: Tenant = None, since: Since = None, until: Until = None
) -> dict[str, Any]:
    """Billed usage per UTC day and tenant from the ledger: what the console's usage chart draws."""
    org_id = _scoped(request, svc, tenant)
    first, last = _days(since, until)
    report = usage_report(svc.database, UsageQuery(tenant=org_id, since=first, until=last, group_by=("day", "tenant")))
    days = [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]
    return {"object": "usage.daily", "days": days, **report}


@router.get(
    "/usage/export.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "One row per day, tenant and currency"}},
)
def usage_csv(request: Request, svc: Svc, tenant: Tenant = None, since: Since = None, until: Until = None) -> Response:
    org_id = _scoped(request, svc, tenant)
    first, last = _days(since, until)
    report = usage_report(svc.database, UsageQuery(tenant=org_id, since=first, until=last, group_by=("day", "tenant")))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=_CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(report["rows"])
    name = f"paramstack-usage-{org_id or 'all'}-{first}-{last}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@router.get("/cost-report")
def cost(request: Request, svc: Svc, tenant: Tenant = None, since: Since = None, until: Until = None) -> dict[str, Any]:
    """`paramstack cost-report` as JSON: the ledger's traffic priced external, self-hosted and hybrid (admins)."""
    caller = console_access.admin(request, svc)
    org_id = console_access.tenant_scope(caller, tenant)
    if org_id is not None:
        svc.tenants.get(org_id)
    first, last = _days(since, until)
    totals = ledger_totals(svc.database, UsageQuery(tenant=org_id, since=first, until=last, group_by=()))
    return {
        "object": "cost_report",
        **cost_report(Traffic(since=first, until=last, **totals), svc.settings.metering.cost, tenant=org_id),
    }


@router.get("/guard/findings")
def findings(
    request: Request,
    svc: Svc,
    tenant: Tenant = None,
    days: Annotated[int, Query(ge=1, le=90, description="How many days back")] = 7,
    recent: Annotated[int, Query(ge=1, le=500, description="How many blocked calls to list")] = 50,
) -> dict[str, Any]:
    """Guard findings per day, tenant and kind, and recent blocked calls: request ids and codes, never text."""
    org_id = _scoped(request, svc, tenant)
    since = datetime.now(UTC) - timedelta(days=days)
    return {"object": "guard.findings", **guard_findings(svc.database, since, org_id, recent=recent)}


@router.get("/whoami")
def whoami(request: Request, svc: Svc) -> dict[str, Any]:
    """The caller as the API sees it: scope, key id, tenant (never the key itself)."""
    caller = console_access.viewer(request, svc)
    scope: Literal["admin", "tenant"] = caller.key.scope
    return {
        "object": "caller",
        "scope": scope,
        "key_id": caller.key.key_id,
        "key_name": caller.key.name,
        "org_id": caller.tenant.org_id if caller.tenant else None,
    }
