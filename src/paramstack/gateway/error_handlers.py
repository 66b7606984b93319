"""The one place errors become HTTP responses: OpenAI's error JSON, never FastAPI's {"detail": ...}."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from paramstack.errors import ParamstackError
from paramstack.gateway.schemas import error_body
from paramstack.observability.metrics import GatewayMetrics

LOG = logging.getLogger("paramstack.gateway")

_HTTP_ERROR_TYPES = {401: "invalid_request_error", 403: "permission_error", 404: "invalid_request_error",
                     405: "invalid_request_error", 413: "invalid_request_error", 429: "rate_limit_error"}


def install_error_handlers(app: FastAPI, metrics: GatewayMetrics) -> None:
    def respond(status: int, message: str, error_type: str, param: str | None, code: str | None,
                headers: dict[str, str] | None = None) -> JSONResponse:
        metrics.observe_error(status, code)
        return JSONResponse(error_body(message, error_type, param, code), status_code=status, headers=headers)

    @app.exception_handler(ParamstackError)
    async def _paramstack_error(_request: Request, error: ParamstackError) -> JSONResponse:
        return respond(error.status_code, error.message, error.error_type, error.param, error.code, error.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {"loc": (), "msg": "invalid request", "type": ""}
        location = [str(p) for p in first.get("loc", ()) if p != "body"]
        if first.get("type") == "json_invalid":
            return respond(400, "We could not parse the JSON body of your request.", "invalid_request_error",
                           None, "invalid_json")
        param = ".".join(location) or None
        message = f"Invalid value for '{param}': {first.get('msg')}" if param else str(first.get("msg"))
        return respond(400, message, "invalid_request_error", param, "invalid_value")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        message = error.detail if isinstance(error.detail, str) else "request failed"
        return respond(error.status_code, message, _HTTP_ERROR_TYPES.get(error.status_code, "invalid_request_error"),
                       None, None, getattr(error, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        LOG.exception("unexpected error", extra={"path": request.url.path})
        return respond(500, "The server had an error while processing your request.", "server_error", None,
                       "internal_error")
