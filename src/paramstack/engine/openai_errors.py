"""An OpenAI-compatible server's refusal as paramstack's typed error.

A 4xx is the request's fault (an image part for a text-only model, a schema the upstream's decoder cannot
take, a prompt over its context): the client gets the upstream's own status and message in OpenAI's error
shape, never a 5xx. A 401/403/404 is not: the upstream refused the gateway's own credentials, or does not know
a model name the gateway mapped the caller's to; no client can fix that, so it is an upstream failure (502)
like every 5xx, and a fallback model may answer.

vLLM's error body is ``{"error": {"message", "type", "param", "code": <status>}}``; versions before 0.10 sent
the same fields at the top level with ``"object": "error"``. Both are read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from paramstack.errors import (
    ContextLengthExceeded,
    InvalidRequest,
    ParamstackError,
    PayloadTooLarge,
    RateLimited,
    UpstreamError,
)

CONTEXT_MARKERS = ("context_length_exceeded", "maximum context length")


def error_from_response(status: int, text: str, headers: Mapping[str, str] | None = None) -> ParamstackError:
    """The error for an upstream HTTP answer with ``status`` >= 400 and body ``text``."""
    return error_from_body(status, _error_object(text), headers or {})


def error_from_event(error: Any) -> ParamstackError:
    """An ``{"error": ...}`` event inside a stream (vLLM sends one when generation fails after the 200)."""
    fields = error if isinstance(error, Mapping) else {"message": str(error)}
    code = fields.get("code")
    status = code if isinstance(code, int) and 400 <= code < 600 else 500
    return error_from_body(status, fields, {})


def error_from_body(status: int, error: Mapping[str, Any], headers: Mapping[str, str]) -> ParamstackError:
    message = str(error.get("message") or f"HTTP {status}")
    param = error.get("param") if isinstance(error.get("param"), str) else None
    code = str(error.get("code") or "")
    if status >= 500 or status in (401, 403):
        return UpstreamError(f"upstream answered {status}: {message}")
    if status == 429:
        retry_after = {"retry-after": headers["retry-after"]} if "retry-after" in headers else None
        return RateLimited(f"upstream is rate limiting: {message}", headers=retry_after)
    if status == 404:
        # The caller's model name was resolved by the gateway's router already: what the upstream does not
        # know is the gateway's own mapping (an adapter not loaded there, a route it does not serve). A
        # deployment fault, so a fallback model may answer instead.
        return UpstreamError(f"upstream does not serve it (404): {message}")
    if status == 413:
        return PayloadTooLarge(f"upstream rejected the request: {message}", param=param)
    if any(marker in f"{code} {message}".lower() for marker in CONTEXT_MARKERS):
        return ContextLengthExceeded(message, param=param or "messages")
    # 400, 422 (a body the upstream's schema refused) and any other 4xx: the request's fault, told as a 400.
    return InvalidRequest(f"upstream rejected the request: {message}", param=param)


def _error_object(text: str) -> Mapping[str, Any]:
    try:
        body = json.loads(text)
    except ValueError:
        return {"message": text[:500]}
    if not isinstance(body, Mapping):
        return {"message": text[:500]}
    error = body.get("error")
    if isinstance(error, Mapping):
        return error
    if isinstance(error, str):
        return {"message": error}
    if isinstance(body.get("detail"), list):  # FastAPI's own 422: [{"loc", "msg", "type"}]
        first = body["detail"][0] if body["detail"] else {}
        where = ".".join(str(p) for p in first.get("loc", ())[1:]) if isinstance(first, Mapping) else ""
        return {
            "message": f"{where}: {first.get('msg', '')}".strip(": ") if where else str(first),
            "param": where or None,
        }
    return body  # vLLM before 0.10: the fields at the top level
