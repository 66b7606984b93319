"""The admin API: tenants and their keys. Every call needs an admin key (``paramstack init`` prints one).

The stores are synchronous SQLAlchemy: every call to them runs in a worker thread (``to_thread``), never on
the event loop that serves every tenant's completions (tests/gateway/test_event_loop.py checks it).
"""

from __future__ import annotations

from asyncio import to_thread
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from paramstack.gateway.services import Services, services
from paramstack.guard.gateway_step import ensure_policy_exists
from paramstack.tenancy.models import ORG_ID_PATTERN, TEXT_PATTERN, TenantSpec
from paramstack.tenancy.store import parse_spec

router = APIRouter(prefix="/admin", tags=["admin"])
Svc = Annotated[Services, Depends(services)]


class NewTenant(TenantSpec):
    org_id: str = Field(pattern=ORG_ID_PATTERN)


class NewKey(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="", max_length=200, pattern=TEXT_PATTERN)


@router.get("/tenants")
async def list_tenants(request: Request, svc: Svc) -> dict[str, Any]:
    await svc.admin(request)
    return {"object": "list", "data": [t.model_dump(mode="json") for t in await to_thread(svc.tenants.list)]}


@router.post("/tenants", status_code=201)
async def add_tenant(request: Request, body: NewTenant, svc: Svc) -> dict[str, Any]:
    await svc.admin(request)
    spec = parse_spec(body.model_dump(exclude={"org_id"}))
    await to_thread(ensure_policy_exists, spec.guard_policy, svc.settings.guard)
    return (await to_thread(svc.tenants.add, body.org_id, spec)).model_dump(mode="json")


@router.get("/tenants/{org_id}")
async def show_tenant(org_id: str, request: Request, svc: Svc) -> dict[str, Any]:
    await svc.admin(request)
    return (await to_thread(svc.tenants.get, org_id)).model_dump(mode="json")


@router.patch("/tenants/{org_id}")
async def update_tenant(org_id: str, request: Request, svc: Svc,
                        changes: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    await svc.admin(request)
    if "guard_policy" in changes:
        await to_thread(ensure_policy_exists, str(changes["guard_policy"]), svc.settings.guard)
    tenant = await to_thread(svc.tenants.update, org_id, changes)
    svc.authenticator.forget_all()
    return tenant.model_dump(mode="json")


@router.get("/tenants/{org_id}/keys")
async def list_keys(org_id: str, request: Request, svc: Svc) -> dict[str, Any]:
    await svc.admin(request)
    await to_thread(svc.tenants.get, org_id)
    return {"object": "list", "data": [k.model_dump(mode="json") for k in await to_thread(svc.keys.list, org_id)]}


@router.post("/tenants/{org_id}/keys", status_code=201)
async def create_key(org_id: str, request: Request, svc: Svc,
                     body: Annotated[NewKey | None, Body()] = None) -> dict[str, Any]:
    await svc.admin(request)
    await to_thread(svc.tenants.get, org_id)
    key, secret = await to_thread(svc.keys.create, org_id, name=body.name if body else "")
    return {**key.model_dump(mode="json"), "api_key": secret}


@router.delete("/keys/{key_id}")
async def revoke_key(key_id: str, request: Request, svc: Svc) -> dict[str, Any]:
    await svc.admin(request)
    key = await to_thread(svc.keys.revoke, key_id)
    svc.authenticator.forget_all()
    return key.model_dump(mode="json")


# Declared last: its path parameter would otherwise swallow /tenants/{org_id}/keys.
@router.post("/tenants/{org_id}/{action}")
async def set_tenant_status(org_id: str, action: Literal["disable", "enable"], request: Request,
                            svc: Svc) -> dict[str, Any]:
    """Disable a tenant (its keys stop working within the auth cache TTL everywhere) or enable it again."""
    await svc.admin(request)
    tenant = await to_thread(svc.tenants.set_status, org_id, "disabled" if action == "disable" else "active")
    svc.authenticator.forget_all()
    return tenant.model_dump(mode="json")
