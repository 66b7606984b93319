"""The internal generation request as Anthropic's Messages API body, and Anthropic's answer as chunks.

Structured output (``json_schema``, ``json_object``) goes out as ``output_config.format``.
Out: system turns become ``system``; an assistant turn's tool calls become ``tool_use`` blocks (arguments
parsed into ``input``); ``tool`` turns become ``tool_result`` blocks at the start of one user turn (Anthropic
wants every result of a turn's calls in the next user turn, before any text); images become ``image``
blocks (a ``data:`` URL as base64, else a URL source). Tool choice: ``required`` is ``any`` (or ``tool``
with a name). Back: ``text_delta`` is text, ``tool_use`` blocks and ``input_json_delta`` are
``ToolCallDelta``s, ``stop_reason`` maps to the finish reason (``refusal`` is a content filter).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from paramstack.engine.anthropic_errors import upstream_error
from paramstack.engine.protocol import (
    ChatMessage,
    ContentPart,
    FinishReason,
    GenerationChunk,
    GenerationRequest,
    ToolCallDelta,
)
from paramstack.errors import InvalidRequest, UpstreamError

FINISH_REASONS: dict[str, FinishReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}
_DATA_URL = re.compile(r"^data:(image/[a-z+.-]+);base64,(.*)$", re.DOTALL)


def messages_body(request: GenerationRequest, model: str) -> dict[str, Any]:
    if request.messages is None:
        # A text completion has no turns: its prompt is the one user turn.
        turns: Sequence[ChatMessage] = [ChatMessage(role="user", content=str(request.prompt))]
    else:
        turns = request.messages
    sampling = request.sampling
    body: dict[str, Any] = {
        "model": model,
        "max_tokens": sampling.max_tokens,
        "messages": _turns(turns),
        "stream": request.incremental,
    }
    system = "\n\n".join(t.content for t in turns if t.role == "system" and t.content)
    if system:
        body["system"] = system
    # Anthropic's temperature goes from 0 to 1; OpenAI's to 2: the top of both means "most random".
    body["temperature"] = min(sampling.temperature, 1.0)
    if sampling.top_p < 1.0:
        body["top_p"] = sampling.top_p
    if sampling.stop:
        body["stop_sequences"] = list(sampling.stop)
    fmt = request.output_format
    if fmt.kind == "json_schema":
        body["output_config"] = {"format": {"type": "json_schema", "schema": dict(fmt.schema or {})}}
    elif fmt.kind == "json_object":  # Anthropic has no "any object": the schema of any object says it
        body["output_config"] = {"format": {"type": "json_schema", "schema": {"type": "object"}}}
    if request.tools:
        body["tools"] = [
            {"name": t.name, "description": t.description or "", "input_schema": dict(t.parameters)}
            for t in request.tools
        ]
        body["tool_choice"] = _tool_choice(request)
    return body


def _tool_choice(request: GenerationRequest) -> dict[str, Any]:
    choice = request.tool_choice
    if choice.mode == "none":
        return {"type": "none"}
    picked: dict[str, Any] = (
        {"type": "auto"}
        if choice.mode == "auto"
        else {"type": "tool", "name": choice.name}
        if choice.name
        else {"type": "any"}
    )
    if not request.parallel_tool_calls:
        picked["disable_parallel_tool_use"] = True
    return picked


def _turns(turns: Iterable[ChatMessage]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for turn in turns:
        if turn.role == "system":
            continue
        if turn.role == "assistant":
            blocks: list[dict[str, Any]] = [{"type": "text", "text": turn.content}] if turn.content else []
            blocks += [
                {"type": "tool_use", "id": c.id, "name": c.name, "input": _input(c.arguments)} for c in turn.tool_calls
            ]
            out.append({"role": "assistant", "content": blocks or [{"type": "text", "text": ""}]})
            continue
        if turn.role == "tool":
            result = {
                "type": "tool_result",
                "tool_use_id": turn.tool_call_id or "",
                "content": _blocks(turn) if turn.media else turn.content,
            }
            if out and out[-1]["role"] == "user" and all(b["type"] == "tool_result" for b in out[-1]["content"]):
                out[-1]["content"].append(result)
            else:
                out.append({"role": "user", "content": [result]})
            continue
        blocks = _blocks(turn)
        if out and out[-1]["role"] == "user":
            out[-1]["content"].extend(blocks)  # text after the tool results of the same user turn
        else:
            out.append({"role": "user", "content": blocks})
    return out


def _blocks(turn: ChatMessage) -> list[dict[str, Any]]:
    if not turn.parts:
        return [{"type": "text", "text": turn.content}]
    return [_block(p) for p in turn.parts]


def _block(part: ContentPart) -> dict[str, Any]:
    if part.kind == "text":
        return {"type": "text", "text": part.text}
    if part.kind == "image" and part.source is not None:
        url = str((part.source.get("image_url") or {}).get("url", ""))
        if found := _DATA_URL.match(url):
            return {"type": "image", "source": {"type": "base64", "media_type": found[1], "data": found[2]}}
        return {"type": "image", "source": {"type": "url", "url": url}}
    raise InvalidRequest(f"the anthropic backend does not take {part.kind} content parts", param="messages")


def _input(arguments: str) -> Any:
    try:
        value = json.loads(arguments) if arguments.strip() else {}
    except ValueError:
        raise InvalidRequest(
            "a tool call's arguments are not JSON; the anthropic backend needs an object", param="messages"
        ) from None
    return value if isinstance(value, dict) else {"value": value}


@dataclass
class StreamState:
    """Reads Anthropic's stream events into chunks (one per event that carries something)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: FinishReason = "stop"
    stop_sequence: str | None = None
    _tool_index: dict[int, int] = field(default_factory=dict)  # content block index -> tool call index

    def read(self, event: dict[str, Any]) -> GenerationChunk | None:
        kind = event.get("type")
        if kind == "message_start":
            usage = (event.get("message") or {}).get("usage") or {}
            self.prompt_tokens = int(usage.get("input_tokens") or 0)
            self.completion_tokens = int(usage.get("output_tokens") or 0)
            return None
        if kind == "content_block_start":
            block = event.get("content_block") or {}
            if block.get("type") == "tool_use":
                index = self._tool_index.setdefault(int(event.get("index", 0)), len(self._tool_index))
                arguments = json.dumps(block["input"], separators=(",", ":")) if block.get("input") else ""
                return self._chunk("", (ToolCallDelta(index, block.get("id"), block.get("name"), arguments),))
            if block.get("type") == "text" and block.get("text"):
                return self._chunk(block["text"])
            return None
        if kind == "content_block_delta":
            delta = event.get("delta") or {}
            if delta.get("type") == "text_delta":
                return self._chunk(delta.get("text", ""))
            if delta.get("type") == "input_json_delta":
                call_index = self._tool_index.get(int(event.get("index", 0)))
                if call_index is not None and delta.get("partial_json"):
                    return self._chunk("", (ToolCallDelta(call_index, arguments=delta["partial_json"]),))
            return None
        if kind == "message_delta":
            usage = event.get("usage") or {}
            self.completion_tokens = int(usage.get("output_tokens") or self.completion_tokens)
            self.prompt_tokens = int(usage.get("input_tokens") or self.prompt_tokens)
            delta = event.get("delta") or {}
            self.finish_reason = FINISH_REASONS.get(delta.get("stop_reason") or "", "stop")
            self.stop_sequence = delta.get("stop_sequence") if delta.get("stop_reason") == "stop_sequence" else None
            return None
        if kind == "error":
            raise upstream_error_from_event(event.get("error") or {})
        return None  # ping, message_stop, thinking and future event types

    def final(self) -> GenerationChunk:
        return GenerationChunk(
            text="",
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            finish_reason=self.finish_reason,
            stop_sequence=self.stop_sequence,
        )

    def _chunk(self, text: str, calls: tuple[ToolCallDelta, ...] = ()) -> GenerationChunk:
        return GenerationChunk(
            text=text, prompt_tokens=self.prompt_tokens, completion_tokens=self.completion_tokens, tool_calls=calls
        )


def whole_message(payload: dict[str, Any]) -> GenerationChunk:
    """A non-streamed Message: one chunk with its text, its tool calls, usage and finish reason."""
    if not isinstance(payload, dict) or payload.get("type") != "message":
        raise UpstreamError("upstream sent a response that is not an Anthropic message")
    text: list[str] = []
    calls: list[ToolCallDelta] = []
    for block in payload.get("content") or []:
        if block.get("type") == "text":
            text.append(block.get("text", ""))
        elif block.get("type") == "tool_use":
            calls.append(
                ToolCallDelta(
                    len(calls),
                    block.get("id"),
                    block.get("name"),
                    json.dumps(block.get("input") or {}, ensure_ascii=False, separators=(",", ":")),
                )
            )
    usage = payload.get("usage") or {}
    return GenerationChunk(
        text="".join(text),
        prompt_tokens=int(usage.get("input_tokens") or 0),
        completion_tokens=int(usage.get("output_tokens") or 0),
        tool_calls=tuple(calls),
        finish_reason=FINISH_REASONS.get(payload.get("stop_reason") or "", "stop"),
        stop_sequence=payload.get("stop_sequence") if payload.get("stop_reason") == "stop_sequence" else None,
    )


def upstream_error_from_event(error: dict[str, Any]) -> Exception:
    status = {"overloaded_error": 529, "rate_limit_error": 429, "api_error": 500, "invalid_request_error": 400}.get(
        str(error.get("type")), 500
    )
    return upstream_error(status, json.dumps({"type": "error", "error": error}))
