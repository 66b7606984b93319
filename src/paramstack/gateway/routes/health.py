"""Liveness and readiness: public, and without tenant data (``/metrics`` is elsewhere: routes/metrics.py)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Engine as DatabaseEngine

from paramstack.gateway.services import Services, services

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(svc: Annotated[Services, Depends(services)]) -> JSONResponse:
    checks: dict[str, str] = {"engines": "ok" if svc.ready else "loading"}
    try:
        await asyncio.to_thread(_ping, svc.database)  # a slow database must not stall the loop serving traffic
        checks["database"] = "ok"
    except sa.exc.SQLAlchemyError as error:
        checks["database"] = f"unavailable: {type(error).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks}, status_code=200 if ready else 503
    )


def _ping(database: DatabaseEngine) -> None:
    with database.connect() as connection:
        connection.execute(sa.text("SELECT 1"))
