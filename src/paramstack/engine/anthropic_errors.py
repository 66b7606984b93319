"""Anthropic's HTTP errors as paramstack's: never a 500, and the caller's own protocol says the rest.

A 400 is the request's fault (a context too long is ``ContextLengthExceeded``); 429 and 529/503 are the
upstream's load (``UpstreamRateLimited``, ``UpstreamOverloaded``: retried, then a fallback may answer);
401/403/404 are the gateway's configuration (its key, its model name): a 502 that says so.
"""

from __future__ import annotations

import json

from paramstack.errors import (
    ContextLengthExceeded,
    InvalidRequest,
    UpstreamError,
    UpstreamOverloaded,
    UpstreamRateLimited,
)

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504, 529})


def upstream_error(status: int, text: str, retry_after: str | None = None) -> UpstreamError | InvalidRequest:
    try:
        error = json.loads(text).get("error") or {}
        message, kind = str(error.get("message", text[:200])), str(error.get("type", ""))
    except (ValueError, AttributeError):
        message, kind = text[:200], ""
    headers = {"retry-after": retry_after} if retry_after else None
    if status == 429 or kind == "rate_limit_error":
        return UpstreamRateLimited(f"the Anthropic upstream is rate limited: {message}", headers=headers)
    if status in (503, 529) or kind == "overloaded_error":
        return UpstreamOverloaded(f"the Anthropic upstream is overloaded: {message}", headers=headers)
    if status in (400, 413, 422) or kind in ("invalid_request_error", "request_too_large"):
        if "prompt is too long" in message or "context" in message and "exceed" in message:
            return ContextLengthExceeded(f"upstream: {message}", param="messages")
        return InvalidRequest(f"upstream rejected the request: {message}")
    if status in (401, 403):
        return UpstreamError(f"the Anthropic upstream refused the gateway's API key ({status}): {message}")
    return UpstreamError(f"the Anthropic upstream answered {status}: {message}")
