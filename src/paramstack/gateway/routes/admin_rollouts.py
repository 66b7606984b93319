"""Canary rollouts for operators: each rollout with its decision history (the weight over time), and
promote or roll back by hand, as ``paramstack canary promote|rollback`` does. Admins only.

The controller moves traffic first (the shared rollout row every replica reads), then records the decision
in the rollout's history, the audit chain and the webhook; the console's entry adds the admin key that asked.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from paramstack.attest.admin_audit import record_admin_action
from paramstack.attest.audit import AuditLog
from paramstack.deploy.canary_factory import build_controller
from paramstack.deploy.canary_store import CanaryStore, Rollout
from paramstack.deploy.slo_policy import SloPolicy
from paramstack.gateway import console_access
from paramstack.gateway.services import Services, services
from paramstack.tenancy.models import TEXT_PATTERN

router = APIRouter(prefix="/admin/rollouts", tags=["admin: rollouts"])
Svc = Annotated[Services, Depends(services)]
RolloutId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The rollout id")]  # an INTEGER column


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(default="", max_length=500, pattern=TEXT_PATTERN)


def _view(rollout: Rollout, store: CanaryStore) -> dict[str, Any]:
    policy = rollout.policy
    return {
        **rollout.to_dict(),
        "events": store.events(rollout.id),
        "slo_window": {
            "interval_s": policy.get("interval"),
            "steps": policy.get("steps"),
            "failure_threshold": policy.get("failure_threshold"),
            "min_requests": policy.get("min_requests"),
            "objectives": policy.get("slo"),
        },
    }


@router.get("")
def list_rollouts(request: Request, svc: Svc) -> dict[str, Any]:
    """Every rollout, newest first, each with its history (start, step, hold, fail, promote, rollback)."""
    console_access.admin(request, svc)
    store = CanaryStore(svc.database)
    return {"object": "list", "data": [_view(r, store) for r in reversed(store.list())]}


@router.get("/{rollout_id}")
def show_rollout(rollout_id: RolloutId, request: Request, svc: Svc) -> dict[str, Any]:
    console_access.admin(request, svc)
    store = CanaryStore(svc.database)
    return _view(store.get(rollout_id), store)


@router.post("/{rollout_id}/{action}")
def decide(
    rollout_id: RolloutId,
    action: Literal["promote", "rollback"],
    request: Request,
    svc: Svc,
    body: Annotated[Decision | None, Body()] = None,
) -> dict[str, Any]:
    """Make the canary stable now (promote) or send every end user back to the stable version (rollback)."""
    caller = console_access.admin(request, svc)
    store = CanaryStore(svc.database)
    rollout = store.get(rollout_id)
    verb = "promoted" if action == "promote" else "rolled back"
    reason = (body.reason if body and body.reason else f"{verb} by hand") + f" (console, {caller.key.key_id})"
    controller = build_controller(
        svc.database, SloPolicy.model_validate(rollout.policy), svc.settings.canary, audit=AuditLog(svc.database)
    )
    method = controller.promote if action == "promote" else controller.rollback
    # A worker thread has no event loop: the controller's few awaits (settle pause, webhook) get their own.
    final = asyncio.run(method(rollout_id, reason))
    record_admin_action(
        svc.database,
        key_id=caller.key.key_id,
        action=f"rollout.{action}",
        org_id=final.org_id,
        target=f"rollout{rollout_id}",
    )
    return _view(final, store)
