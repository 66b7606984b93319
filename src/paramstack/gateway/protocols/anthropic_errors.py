"""Anthropic's error shape: ``{"type": "error", "error": {"type": ..., "message": ...}}``, by HTTP status."""

from __future__ import annotations

from typing import Any

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    503: "overloaded_error",
    504: "timeout_error",
    529: "overloaded_error",
}
# The route prefix whose errors take this shape (gateway/error_handlers.py); OpenAI's everywhere else.
ANTHROPIC_ROUTE_PREFIX = "/v1/messages"


def anthropic_error_type(status: int) -> str:
    if status in ERROR_TYPES:
        return ERROR_TYPES[status]
    return "invalid_request_error" if status < 500 else "api_error"


def anthropic_error_body(status: int, message: str, request_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "error", "error": {"type": anthropic_error_type(status), "message": message}}
    if request_id:
        body["request_id"] = request_id
    return body


def speaks_anthropic(path: str) -> bool:
    return path == ANTHROPIC_ROUTE_PREFIX or path.startswith(ANTHROPIC_ROUTE_PREFIX + "/")
