"""A minimal OpenAI-compatible upstream, for the gateway benchmark and the metering tests.

Answers POST /v1/chat/completions and /v1/completions with a fixed short completion of
``min(max_tokens, --tokens)`` tokens, streamed (SSE ending in a usage chunk, as vLLM sends it with
``stream_options.include_usage``) or whole, and GET /v1/models and /health. A chat request that offers
``tools`` (and does not answer a call) gets a call to its first tool instead, in vLLM's format: a first delta
with the call's id and name, then the arguments in as many pieces as a text answer has tokens. Plain asyncio and a
hand-written HTTP/1.1 keep-alive loop: the baseline must cost as little as possible, so that what the
benchmark measures is the gateway, not this stub.

    python bench/upstream_stub.py --port 9000 [--tokens 8] [--delay-ms 0] [--token-delay-ms 0]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StubConfig:
    tokens: int = 8
    delay_ms: float = 0.0  # before the first byte of every answer
    token_delay_ms: float = 0.0  # between streamed tokens (a slow model)


WORDS = ("Merhaba", "this", "is", "a", "short", "answer", "from", "the", "upstream", "stub", "speaking", "plainly")


def completion_text(count: int) -> list[str]:
    # Plain words (no digits: an output guard may rightly hold back digit groups that could be PII).
    return [f" {WORDS[i % len(WORDS)]}" for i in range(count)]


def prompt_tokens(body: dict[str, Any]) -> int:
    if "messages" in body:
        return sum(len(str(m.get("content", "")).split()) + 4 for m in body["messages"])
    return len(str(body.get("prompt", "")).split()) + 1


@dataclass(frozen=True)
class Answer:
    head: dict[str, Any]
    pieces: list[str]  # the text, or the tool call's arguments
    usage: dict[str, int]
    finish_reason: str
    chat: bool
    tool: str | None = None  # the function called


def tool_call(body: dict[str, Any]) -> str | None:
    """The tool a chat request gets a call to: its first, unless it answers a call or forbids calls."""
    tools = body.get("tools") or []
    if not tools or body.get("tool_choice") == "none" or (body.get("messages") or [{}])[-1].get("role") == "tool":
        return None
    return str(tools[0]["function"]["name"])


def call_arguments(body: dict[str, Any], count: int) -> list[str]:
    """Arguments for the first tool's first parameter, in ``count`` pieces."""
    properties = (body["tools"][0]["function"].get("parameters") or {}).get("properties") or {"input": {}}
    whole = json.dumps({next(iter(properties)): "".join(completion_text(count)).strip()})
    size = -(-len(whole) // max(1, count))
    return [whole[i : i + size] for i in range(0, len(whole), size)]


def answer(path: str, body: dict[str, Any], config: StubConfig) -> Answer:
    chat = path.endswith("/chat/completions")
    max_tokens = int(body.get("max_tokens") or 16)
    count = max(0, min(max_tokens, config.tokens))
    tool = tool_call(body) if chat else None
    pieces = call_arguments(body, count) if tool else completion_text(count)
    usage = {"prompt_tokens": prompt_tokens(body), "completion_tokens": count}
    usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    head = {"id": f"cmpl-stub-{time.monotonic_ns()}", "created": int(time.time()), "model": body.get("model", "stub")}
    finish = "length" if count >= max_tokens else "tool_calls" if tool else "stop"
    return Answer(head, pieces, usage, finish, chat, tool)


def sse_events(reply: Answer) -> list[bytes]:
    head = {**reply.head, "object": "chat.completion.chunk" if reply.chat else "text_completion"}

    def choice(text: str | None, finish: str | None) -> dict[str, Any]:
        if reply.chat and reply.tool:
            call = {"index": 0, "function": {"arguments": text}}
            return {"index": 0, "delta": {"tool_calls": [call]} if text else {}, "finish_reason": finish}
        if reply.chat:
            return {"index": 0, "delta": {"content": text} if text else {}, "finish_reason": finish}
        return {"index": 0, "text": text or "", "finish_reason": finish}

    events = [{**head, "choices": [choice(p, None)]} for p in reply.pieces]
    if reply.tool:  # vLLM's first delta of a call: its id and name, no arguments yet
        named = {
            "id": f"chatcmpl-tool-{time.monotonic_ns()}",
            "type": "function",
            "index": 0,
            "function": {"name": reply.tool},
        }
        events.insert(0, {**head, "choices": [{"index": 0, "delta": {"tool_calls": [named]}, "finish_reason": None}]})
    events.append({**head, "choices": [choice(None, reply.finish_reason)]})
    events.append({**head, "choices": [], "usage": reply.usage})
    return [b"data: " + json.dumps(e, separators=(",", ":")).encode() + b"\n\n" for e in events] + [b"data: [DONE]\n\n"]


def whole_body(reply: Answer) -> bytes:
    text = "".join(reply.pieces)
    if reply.chat:
        head = {**reply.head, "object": "chat.completion"}
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if reply.tool:
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": f"chatcmpl-tool-{time.monotonic_ns()}",
                        "type": "function",
                        "function": {"name": reply.tool, "arguments": text},
                    }
                ],
            }
        choice = {"index": 0, "message": message, "finish_reason": reply.finish_reason}
    else:
        head = {**reply.head, "object": "text_completion"}
        choice = {"index": 0, "text": text, "finish_reason": reply.finish_reason}
    return json.dumps({**head, "choices": [choice], "usage": reply.usage}, separators=(",", ":")).encode()


def response_head(status: int, content_type: str, length: int | None) -> bytes:
    framing = f"content-length: {length}" if length is not None else "transfer-encoding: chunked"
    return (f"HTTP/1.1 {status} OK\r\ncontent-type: {content_type}\r\n{framing}\r\n\r\n").encode()


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, config: StubConfig) -> None:
    try:
        while True:
            try:
                raw = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            request_line, *header_lines = raw.decode("latin-1").split("\r\n")
            method, path, _ = request_line.split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines if h)}
            body_bytes = await reader.readexactly(int(headers.get("content-length", "0")))
            await respond(writer, method, path, body_bytes, config)
            if headers.get("connection", "").lower() == "close":
                return
    except (ConnectionError, asyncio.IncompleteReadError):
        return
    finally:
        writer.close()


async def respond(writer: asyncio.StreamWriter, method: str, path: str, body_bytes: bytes, config: StubConfig) -> None:
    if method == "GET":
        payload = json.dumps({"object": "list", "data": [{"id": "stub", "object": "model"}]}).encode()
        writer.write(response_head(200, "application/json", len(payload)) + payload)
        return
    body = json.loads(body_bytes or b"{}")
    reply = answer(path, body, config)
    if config.delay_ms:
        await asyncio.sleep(config.delay_ms / 1000)
    if not body.get("stream"):
        payload = whole_body(reply)
        writer.write(response_head(200, "application/json", len(payload)) + payload)
        return
    events = sse_events(reply)
    if not config.token_delay_ms:
        payload = b"".join(events)
        writer.write(response_head(200, "text/event-stream", len(payload)) + payload)
        return
    writer.write(response_head(200, "text/event-stream", None))
    for event in events:
        writer.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
        await writer.drain()
        await asyncio.sleep(config.token_delay_ms / 1000)
    writer.write(b"0\r\n\r\n")
    await writer.drain()


async def serve(host: str, port: int, config: StubConfig) -> None:
    server = await asyncio.start_server(lambda r, w: handle(r, w, config), host, port, backlog=2048)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--tokens", type=int, default=8, help="completion tokens (at most max_tokens)")
    parser.add_argument("--delay-ms", type=float, default=0.0, help="wait before answering")
    parser.add_argument("--token-delay-ms", type=float, default=0.0, help="wait between streamed tokens")
    args = parser.parse_args()
    try:
        import uvloop  # faster when installed; not required

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(serve(args.host, args.port, StubConfig(args.tokens, args.delay_ms, args.token_delay_ms)))


if __name__ == "__main__":
    main()
