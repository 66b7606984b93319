"""A real OpenAI-compatible HTTP server that streams a scripted answer in given pieces (for output guards)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from tests.deploy.servers import ThreadedServer


def scripted_upstream(pieces: Sequence[str]) -> ThreadedServer:
    """Every chat completion streams exactly ``pieces``, one SSE chunk each, then a usage chunk."""

    async def chat(request: Request) -> Response:
        body = await request.json()

        def chunk(payload: dict[str, Any]) -> str:
            return (
                "data: "
                + json.dumps(
                    {"id": "up", "object": "chat.completion.chunk", "created": 0, "model": body["model"], **payload}
                )
                + "\n\n"
            )

        async def events():  # type: ignore[no-untyped-def]
            for piece in pieces:
                yield chunk({"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
            yield chunk({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
            yield chunk(
                {
                    "choices": [],
                    "usage": {"prompt_tokens": 5, "completion_tokens": len(pieces), "total_tokens": 5 + len(pieces)},
                }
            )
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return ThreadedServer(Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])]))
