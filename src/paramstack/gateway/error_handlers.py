"""The one place errors become HTTP responses: OpenAI's error JSON, never FastAPI's {"detail": ...}.

Routes of Anthropic's Messages API (``/v1/messages...``) answer in Anthropic's error shape instead, with
the same status codes: their clients parse nothing else.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from paramstack.errors import ParamstackError
from paramstack.gateway.protocols.anthropic_errors import anthropic_error_body, speaks_anthropic
from paramstack.gateway.schemas import error_body
from paramstack.observability.metrics import GatewayMetrics

LOG = logging.getLogger("paramstack.gateway")

_HTTP_ERROR_TYPES = {
    401: "invalid_request_error",
    403: "permission_error",
    404: "invalid_request_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
}


def install_error_handlers(app: FastAPI, metrics: GatewayMetrics) -> None:
    def respond(
        request: Request,
        status: int,
        message: str,
        error_type: str,
        param: str | None,
        code: str | None,
        headers: dict[str, str] | None = None,
    ) -> JSONResponse:
        metrics.observe_error(status, code)
        body = (
            anthropic_error_body(status, message)
            if speaks_anthropic(request.url.path)
            else error_body(message, error_type, param, code)
        )
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(ParamstackError)
    async def _paramstack_error(request: Request, error: ParamstackError) -> JSONResponse:
        return respond(
            request, error.status_code, error.message, error.error_type, error.param, error.code, error.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {"loc": (), "msg": "invalid request", "type": ""}
        location = [str(p) for p in first.get("loc", ()) if p != "body"]
        if first.get("type") == "json_invalid":
            return respond(
                request,
                400,
                "We could not parse the JSON body of your request.",
                "invalid_request_error",
                None,
                "invalid_json",
            )
        param = ".".join(location) or None
        if speaks_anthropic(request.url.path):  # Anthropic's own wording: "max_tokens: Field required"
            message = f"{param}: {first.get('msg')}" if param else str(first.get("msg"))
        else:
            message = f"Invalid value for '{param}': {first.get('msg')}" if param else str(first.get("msg"))
        return respond(request, 400, message, "invalid_request_error", param, "invalid_value")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        message = error.detail if isinstance(error.detail, str) else "request failed"
        error_type = _HTTP_ERROR_TYPES.get(error.status_code, "invalid_request_error")
        return respond(request, error.status_code, message, error_type, None, None, getattr(error, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        LOG.exception("unexpected error", extra={"path": request.url.path})
        return respond(
            request,
            500,
            "The server had an error while processing your request.",
            "server_error",
            None,
            "internal_error",
        )
