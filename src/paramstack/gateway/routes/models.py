"""GET /v1/models: only the models (and model:adapter ids) the calling tenant may use."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from paramstack.errors import ModelNotFound
from paramstack.gateway.services import Services, services

router = APIRouter(tags=["models"])


def _model_card(svc: Services, model_id: str, created: int) -> dict[str, Any]:
    """OpenAI's model object; ``capabilities`` (tools, structured_outputs, vision, logprobs) where the backend
    tells, as vLLM and LiteLLM list them."""
    card: dict[str, Any] = {"id": model_id, "object": "model", "created": created, "owned_by": "paramstack"}
    capabilities = svc.router.capabilities(model_id)
    if capabilities is not None:
        card["capabilities"] = capabilities
    return card


@router.get("/v1/models")
async def list_models(request: Request, svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    caller = svc.tenant_caller(request)
    assert caller.tenant is not None
    created = int(caller.tenant.created_at.timestamp())
    return {"object": "list", "data": [_model_card(svc, m, created) for m in svc.router.visible_models(caller.tenant)]}


@router.get("/v1/models/{model_id:path}")
async def get_model(model_id: str, request: Request, svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    caller = svc.tenant_caller(request)
    assert caller.tenant is not None
    if model_id not in svc.router.visible_models(caller.tenant):
        raise ModelNotFound(f"The model '{model_id}' does not exist", param="model")
    return _model_card(svc, model_id, int(caller.tenant.created_at.timestamp()))
