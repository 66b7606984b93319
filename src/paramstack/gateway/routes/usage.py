"""GET /admin/usage: tokens and cost from the usage ledger (admin key), grouped like ``paramstack usage``."""

from __future__ import annotations

from asyncio import to_thread
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from paramstack.gateway.services import Services, services
from paramstack.metering.usage_report import UsageQuery, usage_report
from paramstack.tenancy.models import ORG_ID_PATTERN

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/usage")
async def get_usage(
    request: Request,
    svc: Annotated[Services, Depends(services)],
    tenant: Annotated[
        str | None, Query(pattern=ORG_ID_PATTERN, description="Tenant id; all tenants when absent")
    ] = None,
    since: Annotated[date | None, Query(description="First UTC day (inclusive)")] = None,
    until: Annotated[date | None, Query(description="Last UTC day (inclusive)")] = None,
    by: Annotated[list[str] | None, Query(description="day, tenant, key, model, adapter")] = None,
) -> dict[str, Any]:
    await svc.admin(request)
    if tenant is not None:
        await to_thread(svc.tenants.get, tenant)  # 404 for an unknown tenant rather than an empty report
    query = UsageQuery(tenant=tenant, since=since, until=until, group_by=tuple(by or ("day",)))
    # the ledger is synchronous SQLAlchemy: off the event loop
    return {"object": "usage", **await to_thread(usage_report, svc.database, query)}
