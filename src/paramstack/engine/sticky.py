"""Who the end user of a completion request is, for sticky canary assignment.

The key is the request body's ``user`` field when the client sends one (one API key often serves many end
users), else a hash of the API key. This ASGI middleware reads it before the route runs and leaves it in a
context variable that ``ModelRouter.resolve`` reads; the body is replayed unchanged. It exists because the
router is called as ``resolve(tenant, model)``; a caller that knows the key passes ``sticky_key=`` instead.
"""

from __future__ import annotations

import hashlib
import json
from contextvars import ContextVar
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Context-local (one value per request task), not shared state: set here, read by the router.
STICKY_KEY: ContextVar[str | None] = ContextVar("paramstack_sticky_key", default=None)
COMPLETION_PATHS = ("/v1/chat/completions", "/v1/completions")


def sticky_key_for(authorization: str | None, body: bytes) -> str | None:
    try:
        user = json.loads(body).get("user") if body else None
    except (ValueError, AttributeError):
        user = None
    if isinstance(user, str) and user:
        return f"user:{user}"
    if authorization:
        return "key:" + hashlib.sha256(authorization.encode("utf-8")).hexdigest()[:32]
    return None


def current_sticky_key() -> str | None:
    return STICKY_KEY.get()


class StickyKeyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or scope.get("path") not in COMPLETION_PATHS:
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        body = b""
        while True:  # the body size limit middleware runs outside this one and caps what arrives
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        headers: dict[str, Any] = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        token = STICKY_KEY.set(sticky_key_for(headers.get("authorization"), body))

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        try:
            await self.app(scope, replay, send)
        finally:
            STICKY_KEY.reset(token)
