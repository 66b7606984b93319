"""The labelling page: ``/label/`` (static HTML + JS, no build step) and its JSON API under ``/label/api``.

The page itself is public (it holds no data); it asks for an admin key, keeps it in sessionStorage and
sends it as a Bearer header. Every API call checks that key (401 without one, 403 for a tenant key).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from paramstack.errors import NotFound
from paramstack.gateway.services import Services, services
from paramstack.train.labels import DECISIONS, LabelInput, LabelStore

STATIC_DIR = Path(__file__).parent / "static"
STATIC_FILES = {"label.js": "text/javascript", "label.css": "text/css"}
# The page runs only its own script and style: no inline code, nothing from elsewhere.
CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'"

router = APIRouter(prefix="/label", tags=["labelling"])
Svc = Annotated[Services, Depends(services)]


class LabelBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: str = Field(pattern="^(" + "|".join(DECISIONS) + ")$")
    note: str = Field(default="", max_length=20_000)
    chosen: str | None = Field(default=None, max_length=20_000)
    rejected: str | None = Field(default=None, max_length=20_000)


@router.get("", include_in_schema=False)
async def page_redirect() -> RedirectResponse:
    return RedirectResponse("/label/")


@router.get("/", include_in_schema=False)
async def page() -> FileResponse:
    return FileResponse(
        STATIC_DIR / "index.html",
        media_type="text/html",
        headers={"Content-Security-Policy": CSP, "Cache-Control": "no-store"},
    )


@router.get("/static/{name}", include_in_schema=False)
async def static(name: str) -> FileResponse:
    if name not in STATIC_FILES:  # a fixed list: no path from the URL ever reaches the file system
        raise NotFound(f"no such file {name!r}")
    return FileResponse(STATIC_DIR / name, media_type=STATIC_FILES[name], headers={"Cache-Control": "no-cache"})


# The API handlers are plain functions: FastAPI runs them in its thread pool, so their database calls never
# hold the event loop (tests/gateway/test_event_loop.py fails if one does).
@router.get("/api/datasets")
def datasets(request: Request, svc: Svc) -> dict[str, Any]:
    svc.admin_blocking(request)
    return {"object": "list", "data": LabelStore(svc.database).datasets()}


@router.get("/api/pairs")
def pairs(
    request: Request,
    svc: Svc,
    dataset: Annotated[str, Query(min_length=1, max_length=128)],
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    svc.admin_blocking(request)
    return {
        "object": "list",
        "dataset": dataset,
        "data": LabelStore(svc.database).pairs(dataset, offset=offset, limit=limit),
    }


@router.put("/api/pairs/{pair_id}/label")
def label(pair_id: int, body: LabelBody, request: Request, svc: Svc) -> dict[str, Any]:
    caller = svc.admin_blocking(request)
    return LabelStore(svc.database).label(pair_id, LabelInput(**body.model_dump()), caller.key.key_id)
