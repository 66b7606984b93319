"""The Anthropic Message object, and its server-sent events, from the pipeline's events.

Stream: ``message_start``, ``ping``, then per content block ``content_block_start``, ``content_block_delta``
(``text_delta`` or ``input_json_delta``)..., ``content_block_stop``; then ``message_delta`` (stop reason
and the final usage) and ``message_stop``. The attestation travels on ``message_delta`` (an extra field the
SDK keeps; an unknown event type it would not tolerate) and, non-streamed, in the body and header.
A call that fails after the headers went out ends with Anthropic's ``error`` event.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from paramstack.engine.protocol import ToolCall, ToolCallDelta
from paramstack.errors import ParamstackError
from paramstack.gateway.call_events import Finished, PipelineEvent, TextDelta
from paramstack.gateway.protocols.anthropic_errors import anthropic_error_body
from paramstack.gateway.protocols.events import GrowingCall, collect, sse

# A guard's content filter ends the turn the way Anthropic's own classifiers do: stop_reason "refusal".
STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use", "content_filter": "refusal"}


def stop_fields(finished: Finished) -> dict[str, Any]:
    """``stop_reason`` and ``stop_sequence`` as Anthropic reports them: "stop_sequence" and the string matched
    when one of the request's ``stop_sequences`` ended the turn."""
    if finished.stop_sequence is not None:
        return {"stop_reason": "stop_sequence", "stop_sequence": finished.stop_sequence}
    return {"stop_reason": STOP_REASONS[finished.finish_reason], "stop_sequence": None}


@dataclass(frozen=True)
class MessageShell:
    message_id: str
    model: str
    sources: tuple[dict[str, Any], ...] = ()  # retrieved chunks the answer drew on (paramstack, as in chat)

    def object(self, content: list[dict[str, Any]], finished: Finished | None, input_tokens: int = 0) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.message_id,
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": content,
            **(stop_fields(finished) if finished else {"stop_reason": None, "stop_sequence": None}),
            "usage": usage_body(finished, input_tokens),
        }
        if finished is not None:
            _extras(body, finished, self.sources)
        return body


def usage_body(finished: Finished | None, input_tokens: int = 0) -> dict[str, Any]:
    usage = finished.usage if finished else None
    return {
        "input_tokens": usage.prompt_tokens if usage else input_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": usage.completion_tokens if usage else 0,
    }


def tool_use_block(call: ToolCall) -> dict[str, Any]:
    return {"type": "tool_use", "id": call.id, "name": call.name, "input": parse_arguments(call.arguments)}


def parse_arguments(arguments: str) -> Any:
    """A tool call's arguments as the object Anthropic's ``input`` is; arguments cut short stay a string."""
    if not arguments.strip():
        return {}
    try:
        return json.loads(arguments)
    except ValueError:
        return {"_raw_arguments": arguments}  # a call cut by max_tokens: say so instead of inventing


async def complete(events: AsyncGenerator[PipelineEvent, None], shell: MessageShell) -> tuple[dict[str, Any], Finished]:
    output = await collect(events)
    content: list[dict[str, Any]] = [{"type": "text", "text": output.text}] if output.text else []
    content.extend(tool_use_block(call) for call in output.tool_calls)
    return shell.object(content, output.finished), output.finished


async def stream(
    events: AsyncGenerator[PipelineEvent, None], shell: MessageShell, input_tokens: int = 0
) -> AsyncIterator[bytes]:
    blocks = _Blocks()
    yield sse("message_start", {"type": "message_start", "message": shell.object([], None, input_tokens)})
    yield sse("ping", {"type": "ping"})
    try:
        async with aclosing(events):
            async for event in events:
                if isinstance(event, TextDelta):
                    for chunk in blocks.text(event.text):
                        yield chunk
                elif isinstance(event, ToolCallDelta):
                    for chunk in blocks.tool_call(event):
                        yield chunk
                elif isinstance(event, Finished):
                    for chunk in blocks.close():
                        yield chunk
                    delta: dict[str, Any] = {
                        "type": "message_delta",
                        "delta": stop_fields(event),
                        "usage": usage_body(event),
                    }
                    _extras(delta, event, shell.sources)
                    yield sse("message_delta", delta)
                    yield sse("message_stop", {"type": "message_stop"})
    except ParamstackError as error:
        yield sse("error", anthropic_error_body(error.status_code, error.message))


class _Blocks:
    def __init__(self) -> None:
        self._count = 0
        self._open: str | None = None  # "text" or "tool_use"
        self._call_index: int | None = None
        self._call: GrowingCall | None = None

    def text(self, text: str) -> list[bytes]:
        if not text:
            return []
        chunks = self.close() if self._open == "tool_use" else []
        if self._open is None:
            chunks.append(self._start({"type": "text", "text": ""}, "text"))
        chunks.append(
            sse(
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": self._count - 1,
                    "delta": {"type": "text_delta", "text": text},
                },
            )
        )
        return chunks

    def tool_call(self, delta: ToolCallDelta) -> list[bytes]:
        chunks = []
        if self._open == "text" or (self._open == "tool_use" and self._call_index != delta.index):
            chunks += self.close()
        if self._open is None:
            self._call, self._call_index = GrowingCall.start(delta), delta.index
            chunks.append(
                self._start({"type": "tool_use", "id": self._call.id, "name": self._call.name, "input": {}}, "tool_use")
            )
        else:
            assert self._call is not None
            self._call.add(delta)
        if delta.arguments:
            chunks.append(
                sse(
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": self._count - 1,
                        "delta": {"type": "input_json_delta", "partial_json": delta.arguments},
                    },
                )
            )
        return chunks

    def close(self) -> list[bytes]:
        if self._open is None:
            return []
        self._open = None
        return [sse("content_block_stop", {"type": "content_block_stop", "index": self._count - 1})]

    def _start(self, block: dict[str, Any], kind: str) -> bytes:
        self._open = kind
        self._count += 1
        return sse(
            "content_block_start", {"type": "content_block_start", "index": self._count - 1, "content_block": block}
        )


def _extras(body: dict[str, Any], finished: Finished, sources: tuple[dict[str, Any], ...]) -> None:
    """paramstack's own fields: retrieved sources, a policy's disclaimer (kept out of the content) and the
    attestation."""
    if sources:
        body["sources"] = list(sources)
    if finished.disclaimer:
        body["disclaimer"] = finished.disclaimer
    if finished.attestation is not None:
        body["attestation"] = finished.attestation.to_dict()
