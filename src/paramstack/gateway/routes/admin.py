"""The admin API: tenants and their keys. Every call needs an admin key (``paramstack init`` prints one) or a
console session (``/console/``); a tenant may read its own tenant and keys, nothing else.

Handlers are plain functions: FastAPI runs them in its thread pool, so their database calls never block the
event loop. Every change is recorded in the audit chain with the admin key that made it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from paramstack.attest.admin_audit import record_admin_action
from paramstack.errors import InvalidRequest
from paramstack.gateway import console_access
from paramstack.gateway.services import Services, services
from paramstack.guard.gateway_step import ensure_policy_exists
from paramstack.tenancy.models import TEXT_PATTERN
from paramstack.tenancy.money import parse_micros
from paramstack.tenancy.store import parse_spec

router = APIRouter(prefix="/admin", tags=["admin"])
Svc = Annotated[Services, Depends(services)]
# Prices as decimal strings per 1K tokens, as `paramstack tenants add --price-input 0.0005` takes them
_PRICE_FIELDS = {"input_per_1k": "input_per_1k_micros", "output_per_1k": "output_per_1k_micros"}
_EXAMPLE_TENANT = {
    "org_id": "org_acme",
    "name": "Acme",
    "models": ["paramstack-tiny"],
    "adapters": ["legal-lora"],
    "guard_policy": "legal",
    "limits": {"tps": 5, "rpm": 200, "daily_tokens": 2_000_000},
    "pricing": {"currency": "USD", "input_per_1k": "0.0005", "output_per_1k": "0.0015"},
}


class NewKey(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="", max_length=200, pattern=TEXT_PATTERN)


def _with_micros(body: dict[str, Any]) -> dict[str, Any]:
    """``pricing.input_per_1k: "0.0005"`` -> ``pricing.input_per_1k_micros: 500`` (the CLI's parser and rules)."""
    pricing = body.get("pricing")
    if not isinstance(pricing, dict):
        return body
    pricing = dict(pricing)
    for text_field, micros_field in _PRICE_FIELDS.items():
        if text_field in pricing:
            pricing[micros_field] = parse_micros(str(pricing.pop(text_field)), field=f"pricing.{text_field}")
    return {**body, "pricing": pricing}


def _audit(svc: Services, key_id: str, action: str, org_id: str | None, target: str = "") -> None:
    record_admin_action(svc.database, key_id=key_id, action=action, org_id=org_id, target=target)


@router.get("/tenants")
def list_tenants(request: Request, svc: Svc) -> dict[str, Any]:
    console_access.admin(request, svc)
    return {"object": "list", "data": [t.model_dump(mode="json") for t in svc.tenants.list()]}


@router.post("/tenants", status_code=201)
def add_tenant(
    request: Request,
    svc: Svc,
    body: Annotated[
        dict[str, Any],
        Body(
            description="A tenant: org_id plus the fields of TenantSpec (prices also as pricing.input_per_1k "
            "decimal strings)",
            examples=[_EXAMPLE_TENANT],
        ),
    ],
) -> dict[str, Any]:
    caller = console_access.admin(request, svc)
    body = _with_micros(body)
    org_id = body.get("org_id")
    if not isinstance(org_id, str):
        raise InvalidRequest("org_id is required", param="org_id")
    spec = parse_spec({k: v for k, v in body.items() if k != "org_id"})
    ensure_policy_exists(spec.guard_policy, svc.settings.guard)
    tenant = svc.tenants.add(org_id, spec)
    _audit(svc, caller.key.key_id, "tenant.add", tenant.org_id)
    return tenant.model_dump(mode="json")


@router.get("/tenants/{org_id}")
def show_tenant(org_id: str, request: Request, svc: Svc) -> dict[str, Any]:
    caller = console_access.viewer(request, svc)
    return svc.tenants.get(console_access.tenant_scope(caller, org_id) or org_id).model_dump(mode="json")


@router.patch("/tenants/{org_id}")
def update_tenant(
    org_id: str, request: Request, svc: Svc, changes: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    caller = console_access.admin(request, svc)
    changes = _with_micros(changes)
    if "guard_policy" in changes:
        ensure_policy_exists(str(changes["guard_policy"]), svc.settings.guard)
    tenant = svc.tenants.update(org_id, changes)
    svc.authenticator.forget_all()
    _audit(svc, caller.key.key_id, "tenant.update", org_id)
    return tenant.model_dump(mode="json")


@router.get("/tenants/{org_id}/keys")
def list_keys(org_id: str, request: Request, svc: Svc) -> dict[str, Any]:
    caller = console_access.viewer(request, svc)
    org_id = console_access.tenant_scope(caller, org_id) or org_id
    svc.tenants.get(org_id)
    return {"object": "list", "data": [k.model_dump(mode="json") for k in svc.keys.list(org_id)]}


@router.post("/tenants/{org_id}/keys", status_code=201)
def create_key(
    org_id: str, request: Request, svc: Svc, body: Annotated[NewKey | None, Body()] = None
) -> dict[str, Any]:
    caller = console_access.admin(request, svc)
    svc.tenants.get(org_id)
    key, secret = svc.keys.create(org_id, name=body.name if body else "")
    _audit(svc, caller.key.key_id, "key.create", org_id, key.key_id)
    return {**key.model_dump(mode="json"), "api_key": secret}


@router.delete("/keys/{key_id}")
def revoke_key(key_id: str, request: Request, svc: Svc) -> dict[str, Any]:
    caller = console_access.admin(request, svc)
    key = svc.keys.revoke(key_id)
    svc.authenticator.forget_all()
    _audit(svc, caller.key.key_id, "key.revoke", key.org_id, key.key_id)
    return key.model_dump(mode="json")


# Declared last: its path parameter would otherwise swallow /tenants/{org_id}/keys.
@router.post("/tenants/{org_id}/{action}")
def set_tenant_status(org_id: str, action: Literal["disable", "enable"], request: Request, svc: Svc) -> dict[str, Any]:
    """Disable a tenant (its keys stop working within the auth cache TTL everywhere) or enable it again."""
    caller = console_access.admin(request, svc)
    tenant = svc.tenants.set_status(org_id, "disabled" if action == "disable" else "active")
    svc.authenticator.forget_all()
    _audit(svc, caller.key.key_id, f"tenant.{action}", org_id)
    return tenant.model_dump(mode="json")
