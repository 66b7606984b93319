"""``/metrics`` on the public port: only with ``metrics.bearer_token`` configured, and only to that token.

Without a token configured it does not exist here (404): the metrics listener (``gateway/metrics_listener.py``)
serves it. A wrong token is a 401 like a wrong API key, so the failed-authentication limiter covers it too.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from paramstack.errors import AuthenticationFailed, NotFound
from paramstack.gateway.services import Services, services

router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request, svc: Annotated[Services, Depends(services)]) -> Response:
    token = svc.settings.metrics.bearer_token
    if token is None:
        raise NotFound("Metrics are served on the metrics listener (metrics.host, metrics.port), not here.")
    scheme, _, given = (request.headers.get("authorization") or "").partition(" ")
    expected = token.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode("latin-1"), expected):
        raise AuthenticationFailed(
            "/metrics needs 'Authorization: Bearer <metrics.bearer_token>'.", code="invalid_metrics_token"
        )
    return Response(svc.metrics.render(), media_type=CONTENT_TYPE_LATEST)
