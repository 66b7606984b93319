"""A stand-in for Anthropic's Messages API: a real HTTP server speaking its wire format.

No Anthropic key and no network are available to the tests, so this server takes the place of
api.anthropic.com. It checks what Anthropic checks (``x-api-key``, ``anthropic-version``, ``max_tokens``),
and answers from a script: a ``tool_use`` when tools are offered and no result came back yet, text after a
``tool_result``, plain text otherwise; streamed exactly as Anthropic streams (message_start, ping,
content_block_*, message_delta, message_stop) or as one JSON message. A prompt with OVERLOADED or
RATE_LIMITED gets Anthropic's 529 or 429 error. Every request body is kept for the test to inspect.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.deploy.servers import ThreadedServer

STANDIN_KEY = "sk-ant-standin"
TOOL_INPUT = {"city": "Paris"}
AFTER_TOOL = "It is sunny in Paris."
PLAIN = "Hello from the Anthropic stand-in."


class AnthropicStandIn(ThreadedServer):
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        super().__init__(Starlette(routes=[Route("/v1/messages", self._messages, methods=["POST"])]))

    async def _messages(self, request: Request) -> Response:
        if request.headers.get("x-api-key") != STANDIN_KEY:
            return _error(401, "authentication_error", "invalid x-api-key")
        if not request.headers.get("anthropic-version"):
            return _error(400, "invalid_request_error", "anthropic-version header is required")
        body = await request.json()
        self.received.append(body)
        if "max_tokens" not in body:
            return _error(400, "invalid_request_error", "max_tokens: Field required")
        prompt = json.dumps(body["messages"])
        if "OVERLOADED" in prompt:
            return _error(529, "overloaded_error", "Overloaded")
        if "RATE_LIMITED" in prompt:
            return _error(429, "rate_limit_error", "Number of request tokens has exceeded your rate limit")
        blocks, stop = _answer(body)
        usage = {"input_tokens": 11 + len(prompt) // 40, "output_tokens": 7}
        if body.get("stream"):
            return StreamingResponse(_events(body["model"], blocks, stop, usage), media_type="text/event-stream")
        return JSONResponse(
            {
                "id": "msg_standin",
                "type": "message",
                "role": "assistant",
                "model": body["model"],
                "content": blocks,
                "stop_reason": stop,
                "stop_sequence": None,
                "usage": usage,
            }
        )


def _answer(body: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    last = body["messages"][-1]
    content = last["content"] if isinstance(last["content"], list) else []
    if any(block.get("type") == "tool_result" for block in content):
        return [{"type": "text", "text": AFTER_TOOL}], "end_turn"
    if body.get("tools") and (body.get("tool_choice") or {}).get("type") != "none":
        tool = body["tools"][0]["name"]
        return [
            {"type": "text", "text": "Let me look."},
            {"type": "tool_use", "id": "toolu_standin_1", "name": tool, "input": TOOL_INPUT},
        ], "tool_use"
    return [{"type": "text", "text": PLAIN}], "end_turn"


async def _events(model: str, blocks: list[dict[str, Any]], stop: str, usage: dict[str, int]):  # type: ignore[no-untyped-def]
    def event(name: str, data: dict[str, Any]) -> str:
        return f"event: {name}\ndata: {json.dumps(data)}\n\n"

    yield event(
        "message_start",
        {
            "type": "message_start",
            "message": {
                "id": "msg_standin",
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": usage["input_tokens"], "output_tokens": 1},
            },
        },
    )
    yield event("ping", {"type": "ping"})
    for index, block in enumerate(blocks):
        if block["type"] == "text":
            yield event(
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}},
            )
            for word in block["text"].split(" "):
                piece = word if word == block["text"].split(" ")[0] else " " + word
                yield event(
                    "content_block_delta",
                    {"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": piece}},
                )
        else:
            yield event(
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}},
                },
            )
            arguments = json.dumps(block["input"])
            for start in range(0, len(arguments), 5):
                yield event(
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": index,
                        "delta": {"type": "input_json_delta", "partial_json": arguments[start : start + 5]},
                    },
                )
        yield event("content_block_stop", {"type": "content_block_stop", "index": index})
    yield event(
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": stop, "stop_sequence": None},
            "usage": {"output_tokens": usage["output_tokens"]},
        },
    )
    yield event("message_stop", {"type": "message_stop"})


def _error(status: int, kind: str, message: str) -> JSONResponse:
    return JSONResponse({"type": "error", "error": {"type": kind, "message": message}}, status_code=status)
