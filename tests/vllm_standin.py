"""A vLLM-shaped OpenAI server: real HTTP, answering in vLLM's own wire format (no GPU can run vLLM here).

What it answers, streamed (SSE) or whole as the request's ``stream`` says:
- tools offered and a call due (``tool_choice`` ``required`` or named, or ``auto`` unless the last turn is a
  tool result): a call to the named (else the first) tool, with arguments that validate against its
  parameters. Streamed as vLLM does: with ``auto`` the first delta has ``id`` (``chatcmpl-tool-...``),
  ``type`` and ``function.name`` and no arguments, then argument pieces; with a forced call (vLLM's guided
  path) the first delta also carries the first piece. ``finish_reason: "tool_calls"``;
- ``response_format`` ``json_object`` / ``json_schema``: JSON text (valid against the schema);
- otherwise text (after a tool result: the result quoted, so an agent's loop can finish);
- logprobs in chat's ``logprobs.content[]`` shape and completions' parallel lists (``echo`` included);
- usage in a last event with ``choices: []``; text beyond ``max_tokens`` cut with ``finish_reason: "length"``;
- a ``stop`` string in the text: the text cut before it, ``finish_reason: "stop"`` and, as vLLM does, the matched
  string in ``stop_reason``;
- an image/audio/file part while ``vision`` is off: vLLM's 400 (``... is not a multimodal model``).
Every request body is kept in ``bodies`` and every answer in ``answers``; ``fail_with`` makes every
completion answer that error instead.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.json_examples import example

WORDS = ("Hello", " from", " the", " vLLM", " stand", "-in", ".")
PIECE_CHARS = 6  # about one token's worth of JSON per streamed arguments piece


@dataclass
class VllmStandin:
    model: str = "base"
    vision: bool = False
    flat_errors: bool = False  # vLLM before 0.10: error fields at the top level
    fail_with: tuple[int, str] | None = None  # (status, message) for every completion
    bodies: list[dict[str, Any]] = field(default_factory=list)
    answers: list[Any] = field(default_factory=list)  # per request: the events streamed, or the JSON answered

    def __post_init__(self) -> None:
        self.app = Starlette(
            routes=[
                Route("/v1/models", self._models),
                Route("/health", lambda _: Response()),
                Route("/v1/chat/completions", self._chat, methods=["POST"]),
                Route("/v1/completions", self._completions, methods=["POST"]),
            ]
        )

    async def _models(self, _request: Request) -> Response:
        return JSONResponse({"object": "list", "data": [{"id": self.model, "object": "model", "owned_by": "vllm"}]})

    def error(self, status: int, message: str, param: str | None = None) -> Response:
        names = {
            400: "BadRequestError",
            404: "NotFoundError",
            413: "RequestEntityTooLarge",
            422: "UnprocessableEntityError",
            429: "TooManyRequests",
        }
        fields = {"message": message, "type": names.get(status, "InternalServerError"), "param": param, "code": status}
        return JSONResponse(
            {"object": "error", **fields} if self.flat_errors else {"error": fields}, status_code=status
        )

    async def _chat(self, request: Request) -> Response:
        body = await request.json()
        self.bodies.append(body)
        if self.fail_with:
            return self.error(*self.fail_with)
        if body.get("model") != self.model:
            return self.error(404, f"The model `{body.get('model')}` does not exist.", "model")
        if not self.vision and any(
            isinstance(m.get("content"), list) and any(p.get("type") != "text" for p in m["content"])
            for m in body["messages"]
        ):
            return self.error(400, f"{self.model} is not a multimodal model")
        return self._answer(body, chat_answer(body))

    async def _completions(self, request: Request) -> Response:
        body = await request.json()
        self.bodies.append(body)
        if self.fail_with:
            return self.error(*self.fail_with)
        return self._answer(body, completion_answer(body))

    def _answer(self, body: dict[str, Any], answer: ChatAnswer | CompletionAnswer) -> Response:
        if body.get("stream"):
            events = answer.events()
            self.answers.append(events)
            return StreamingResponse(sse(events), media_type="text/event-stream")
        self.answers.append(answer.whole())
        return JSONResponse(self.answers[-1])


async def sse(events: list[dict[str, Any]]):  # type: ignore[no-untyped-def]
    for event in events:
        yield f"data: {json.dumps(event)}\n\n"
    yield "data: [DONE]\n\n"


def pieces_of(text: str, size: int = PIECE_CHARS) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


@dataclass
class ChatAnswer:
    body: dict[str, Any]
    pieces: list[str] = field(default_factory=list)  # text pieces, one "token" each
    call: tuple[str, list[str]] | None = None  # (tool name, argument pieces)
    forced: bool = False
    prompt_tokens: int = 0

    def __post_init__(self) -> None:
        self.head = {"id": f"chatcmpl-{uuid.uuid4().hex}", "created": int(time.time()), "model": self.body["model"]}
        self.call_id = f"chatcmpl-tool-{uuid.uuid4().hex}"
        budget = int(self.body.get("max_tokens") or 10**6)
        self.stop_hit: str | None = None
        if not self.call:
            self.pieces, self.stop_hit = cut_at_stop(self.pieces, self.body.get("stop"))
        tokens = self.call[1] if self.call else self.pieces
        self.cut = len(tokens) > budget
        if self.call:
            self.call = (self.call[0], tokens[:budget])
        else:
            self.pieces = tokens[:budget]

    @property
    def finish_reason(self) -> str:
        return "length" if self.cut else "tool_calls" if self.call else "stop"

    @property
    def usage(self) -> dict[str, int]:
        completion = len(self.call[1] if self.call else self.pieces)
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": self.prompt_tokens + completion,
        }

    def logprobs(self, tokens: list[str]) -> dict[str, Any] | None:
        if not self.body.get("logprobs"):
            return None
        top = int(self.body.get("top_logprobs") or 0)
        return {"content": [token_logprob(t, i, top) for i, t in enumerate(tokens)]}

    def whole(self) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "reasoning_content": None, "content": None, "tool_calls": []}
        if self.call:
            name, args = self.call
            message["tool_calls"] = [
                {"id": self.call_id, "type": "function", "function": {"name": name, "arguments": "".join(args)}}
            ]
        else:
            message["content"] = "".join(self.pieces)
        tokens = self.call[1] if self.call else self.pieces
        choice = {
            "index": 0,
            "message": message,
            "logprobs": self.logprobs(tokens),
            "finish_reason": self.finish_reason,
            "stop_reason": self.stop_hit,
        }
        return {
            **self.head,
            "object": "chat.completion",
            "choices": [choice],
            "usage": self.usage,
            "prompt_logprobs": None,
        }

    def events(self) -> list[dict[str, Any]]:
        def event(delta: dict[str, Any], tokens: list[str] | None = None, finish: str | None = None) -> dict[str, Any]:
            choice = {
                "index": 0,
                "delta": delta,
                "logprobs": self.logprobs(tokens) if tokens else None,
                "finish_reason": finish,
            }
            if finish is not None:
                choice["stop_reason"] = self.stop_hit
            return {**self.head, "object": "chat.completion.chunk", "choices": [choice]}

        events = [event({"role": "assistant", "content": ""})]
        if self.call:
            name, args = self.call
            first: dict[str, Any] = {"id": self.call_id, "type": "function", "index": 0, "function": {"name": name}}
            rest = args
            if self.forced and args:  # vLLM's guided (named/required) path: name and first piece together
                first["function"]["arguments"], rest = args[0], args[1:]
            events.append(event({"tool_calls": [first]}, args[:1] if self.forced else []))
            events += [event({"tool_calls": [{"index": 0, "function": {"arguments": a}}]}, [a]) for a in rest]
        else:
            events += [event({"content": p}, [p]) for p in self.pieces]
        events.append(event({}, finish=self.finish_reason))
        events.append({**self.head, "object": "chat.completion.chunk", "choices": [], "usage": self.usage})
        return events


def cut_at_stop(pieces: list[str], stop: str | list[str] | None) -> tuple[list[str], str | None]:
    """The pieces up to the first stop string (which is left out, as vLLM does by default), and that string."""
    stops = [stop] if isinstance(stop, str) else list(stop or [])
    text = "".join(pieces)
    found = min(((text.find(s), s) for s in stops if s and s in text), default=None)
    if found is None:
        return pieces, None
    kept, length = [], 0
    for piece in pieces:
        if length + len(piece) >= found[0]:
            if found[0] > length:
                kept.append(piece[: found[0] - length])
            break
        kept.append(piece)
        length += len(piece)
    return kept, found[1]


def token_logprob(token: str, position: int, top: int) -> dict[str, Any]:
    value = -0.25 * (position % 4 + 1)
    alternatives = [{"token": token, "logprob": value, "bytes": list(token.encode())}]
    alternatives += [
        {"token": f"alt{k}", "logprob": value - k, "bytes": list(f"alt{k}".encode())} for k in range(1, top)
    ]
    return {"token": token, "logprob": value, "bytes": list(token.encode()), "top_logprobs": alternatives[:top]}


def chat_answer(body: dict[str, Any]) -> ChatAnswer:
    messages = body["messages"]
    prompt_tokens = sum(len(json.dumps(m.get("content")).split()) + 4 for m in messages)
    tools = body.get("tools") or []
    choice = body.get("tool_choice", "auto" if tools else "none")
    named = choice.get("function", {}).get("name") if isinstance(choice, dict) else None
    forced = named is not None or choice == "required"
    if tools and (forced or (choice == "auto" and messages[-1]["role"] != "tool")):
        tool = next((t for t in tools if t["function"]["name"] == named), tools[0])["function"]
        arguments = json.dumps(example(tool.get("parameters") or {}))
        return ChatAnswer(body, call=(tool["name"], pieces_of(arguments)), forced=forced, prompt_tokens=prompt_tokens)
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        return ChatAnswer(
            body, pieces_of(json.dumps(example(response_format["json_schema"]["schema"]))), prompt_tokens=prompt_tokens
        )
    if response_format.get("type") == "json_object":
        return ChatAnswer(body, pieces_of(json.dumps({"answer": "ok"})), prompt_tokens=prompt_tokens)
    if messages[-1]["role"] == "tool":
        result = messages[-1]["content"]
        text = result if isinstance(result, str) else "".join(p.get("text", "") for p in result)
        return ChatAnswer(body, pieces_of(f"The tool said: {text}"), prompt_tokens=prompt_tokens)
    return ChatAnswer(body, list(WORDS), prompt_tokens=prompt_tokens)


@dataclass
class CompletionAnswer:
    body: dict[str, Any]
    prompt: list[str]  # the prompt's tokens
    pieces: list[str]

    def __post_init__(self) -> None:
        self.head = {"id": f"cmpl-{uuid.uuid4().hex}", "created": int(time.time()), "model": self.body["model"]}
        budget = int(self.body.get("max_tokens") or 16)
        self.finish_reason = "length" if len(self.pieces) >= budget else "stop"
        self.pieces = self.pieces[:budget]
        self.usage = {
            "prompt_tokens": len(self.prompt),
            "completion_tokens": len(self.pieces),
            "total_tokens": len(self.prompt) + len(self.pieces),
        }

    def logprobs(self, tokens: list[str], echoed: int, offset: int) -> dict[str, Any] | None:
        top = self.body.get("logprobs")
        if top is None:
            return None
        values: list[float | None] = [None if i == 0 and echoed else -0.5 * (i % 3 + 1) for i in range(len(tokens))]
        tops = [
            None if v is None else {t: v, **{f"alt{k}": v - k for k in range(1, int(top))}}
            for t, v in zip(tokens, values, strict=True)
        ]
        offsets, at = [], offset
        for token in tokens:
            offsets.append(at)
            at += len(token)
        return {"text_offset": offsets, "token_logprobs": values, "tokens": tokens, "top_logprobs": tops}

    def whole(self) -> dict[str, Any]:
        echo = bool(self.body.get("echo"))
        tokens = (self.prompt if echo else []) + self.pieces
        choice = {
            "index": 0,
            "text": "".join(tokens),
            "logprobs": self.logprobs(tokens, echo, 0),
            "finish_reason": self.finish_reason,
            "stop_reason": None,
            "prompt_logprobs": None,
        }
        return {**self.head, "object": "text_completion", "choices": [choice], "usage": self.usage}

    def events(self) -> list[dict[str, Any]]:
        def event(tokens: list[str], finish: str | None, echoed: int = 0, offset: int = 0) -> dict[str, Any]:
            choice = {
                "index": 0,
                "text": "".join(tokens),
                "logprobs": self.logprobs(tokens, echoed, offset) if tokens else None,
                "finish_reason": finish,
                "stop_reason": None,
            }
            return {**self.head, "object": "text_completion", "choices": [choice]}

        pieces, events, offset = list(self.pieces), [], 0
        if self.body.get("echo"):  # vLLM: the prompt and the first token in one event
            first = self.prompt + pieces[:1]
            events.append(event(first, None, echoed=1))
            offset, pieces = sum(map(len, first)), pieces[1:]
        for piece in pieces:
            events.append(event([piece], None, offset=offset))
            offset += len(piece)
        events.append(event([], self.finish_reason))
        events.append({**self.head, "object": "text_completion", "choices": [], "usage": self.usage})
        return events


def completion_answer(body: dict[str, Any]) -> CompletionAnswer:
    prompt = body["prompt"]
    tokens = [f"<{t}>" for t in prompt] if isinstance(prompt, list) else re.findall(r"\s*\S+|\s+", prompt)
    return CompletionAnswer(body, tokens, list(WORDS))
