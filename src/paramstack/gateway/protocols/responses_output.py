"""The Responses-API response object, and its stream of semantic events, from the pipeline's events.

Streamed events come in OpenAI's order, each with a ``sequence_number`` from 0: ``response.created``,
``response.in_progress``; per output item ``response.output_item.added``, then for a message
``response.content_part.added``, ``response.output_text.delta``..., ``response.output_text.done``,
``response.content_part.done``, or for a function call ``response.function_call_arguments.delta``...,
``response.function_call_arguments.done``; then ``response.output_item.done``; last
``response.completed`` (``response.incomplete`` when cut by ``max_output_tokens`` or by the content filter,
``response.failed`` when the call fails after the headers went out). The attestation rides on the last
event's response object (an extra field the SDKs keep), and on the non-streamed body and header.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from paramstack.engine.protocol import ChatMessage, TokenLogprob, ToolCall, ToolCallDelta
from paramstack.errors import ParamstackError
from paramstack.gateway.call_events import Finished, PipelineEvent, TextDelta
from paramstack.gateway.call_request import CallRequest
from paramstack.gateway.protocols.events import GrowingCall, collect, logprobs_body, sse
from paramstack.gateway.protocols.responses_request import ResponseCreate

Store = Callable[[dict[str, Any]], Awaitable[None]]
INCOMPLETE_REASONS = {"length": "max_output_tokens", "content_filter": "content_filter"}


@dataclass(frozen=True)
class ResponseShell:
    """Everything of the response object that does not depend on the output."""

    response_id: str
    created: int
    model: str
    body: ResponseCreate
    call: CallRequest
    sources: tuple[dict[str, Any], ...] = ()  # retrieved chunks the answer drew on (paramstack, as in chat)

    def object(
        self,
        status: str,
        output: list[dict[str, Any]],
        finished: Finished | None = None,
        error: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        body, call = self.body, self.call
        reason = INCOMPLETE_REASONS.get(finished.finish_reason) if finished else None
        result: dict[str, Any] = {
            "id": self.response_id,
            "object": "response",
            "created_at": self.created,
            "status": status,
            "background": False,
            "error": error,
            "incomplete_details": {"reason": reason} if reason else None,
            "instructions": body.instructions,
            "max_output_tokens": body.max_output_tokens,
            "max_tool_calls": None,
            "model": self.model,
            "output": output,
            "parallel_tool_calls": body.parallel_tool_calls,
            "previous_response_id": body.previous_response_id,
            "reasoning": {"effort": None, "summary": None},
            "service_tier": "default",
            "store": body.store,
            "temperature": call.temperature,
            "text": {"format": _format_body(call), "verbosity": "medium"},
            "tool_choice": (
                call.tool_choice.mode
                if call.tool_choice.name is None
                else {"type": "function", "name": call.tool_choice.name}
            ),
            "tools": [
                {
                    "type": "function",
                    "name": t.name,
                    "description": t.description,
                    "parameters": dict(t.parameters),
                    "strict": t.strict,
                }
                for t in call.tools
            ],
            "top_logprobs": body.top_logprobs or 0,
            "top_p": call.top_p,
            "truncation": "disabled",
            "usage": _usage(finished) if finished else None,
            "user": body.user,
            "metadata": body.metadata or {},
        }
        if self.sources:
            result["sources"] = list(self.sources)
        if finished is not None and finished.disclaimer:
            result["disclaimer"] = finished.disclaimer  # paramstack: policy text, kept out of the output
        if finished is not None and finished.attestation is not None:
            result["attestation"] = finished.attestation.to_dict()
        return result

    def final_status(self, finished: Finished) -> str:
        return "incomplete" if finished.finish_reason in INCOMPLETE_REASONS else "completed"


def message_item(item_id: str, text: str, status: str, logprobs: tuple[TokenLogprob, ...] = ()) -> dict[str, Any]:
    return {
        "id": item_id,
        "type": "message",
        "status": status,
        "role": "assistant",
        "content": [] if status == "in_progress" and not text else [_text_part(text, logprobs)],
    }


def function_call_item(item_id: str, call: ToolCall, status: str) -> dict[str, Any]:
    return {
        "id": item_id,
        "type": "function_call",
        "status": status,
        "call_id": call.id,
        "name": call.name,
        "arguments": call.arguments,
    }


async def complete(
    events: AsyncGenerator[PipelineEvent, None], shell: ResponseShell
) -> tuple[dict[str, Any], Finished]:
    """The whole response object of a non-streamed call."""
    output = await collect(events)
    status = shell.final_status(output.finished)
    items: list[dict[str, Any]] = []
    if output.text or not output.tool_calls:
        items.append(
            message_item(
                new_item_id("msg"),
                output.text,
                "incomplete" if status == "incomplete" else "completed",
                output.logprobs,
            )
        )
    items.extend(function_call_item(new_item_id("fc"), call, "completed") for call in output.tool_calls)
    return shell.object(status, items, output.finished), output.finished


async def stream(
    events: AsyncGenerator[PipelineEvent, None], shell: ResponseShell, store: Store | None
) -> AsyncIterator[bytes]:
    """The semantic events; ``store`` saves the final object before the client is told it is complete."""
    writer = _EventWriter(shell)
    yield writer.event("response.created", response=shell.object("in_progress", []))
    yield writer.event("response.in_progress", response=shell.object("in_progress", []))
    try:
        async with aclosing(events):
            async for event in events:
                if isinstance(event, TextDelta):
                    for chunk in writer.text(event):
                        yield chunk
                elif isinstance(event, ToolCallDelta):
                    for chunk in writer.tool_call(event):
                        yield chunk
                elif isinstance(event, Finished):
                    for chunk in writer.close_open_item(event):
                        yield chunk
                    final = shell.object(shell.final_status(event), writer.output, event)
                    if store is not None:
                        await store(final)
                    yield writer.event(f"response.{final['status']}", response=final)
    except ParamstackError as error:
        # Headers are gone: end the way OpenAI does, with response.failed carrying the error.
        failure = {"code": error.code or "server_error", "message": error.message}
        yield writer.event("response.failed", response=shell.object("failed", writer.output, error=failure))


def input_items(turns: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    """Conversation turns as the Responses API lists a response's input items (``GET .../input_items``)."""
    items: list[dict[str, Any]] = []
    for turn in turns:
        if turn.role == "tool":
            items.append(
                {
                    "id": new_item_id("fco"),
                    "type": "function_call_output",
                    "call_id": turn.tool_call_id,
                    "output": turn.content,
                    "status": "completed",
                }
            )
            continue
        if turn.content or not turn.tool_calls:
            kind = "output_text" if turn.role == "assistant" else "input_text"
            part: dict[str, Any] = {"type": kind, "text": turn.content}
            if kind == "output_text":
                part["annotations"] = []
            items.append(
                {
                    "id": new_item_id("msg"),
                    "type": "message",
                    "role": turn.role,
                    "status": "completed",
                    "content": [part],
                }
            )
        items.extend(function_call_item(new_item_id("fc"), call, "completed") for call in turn.tool_calls)
    return items


def new_item_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


class _EventWriter:
    def __init__(self, shell: ResponseShell) -> None:
        self._shell = shell
        self._sequence = 0
        self.output: list[dict[str, Any]] = []  # items done so far
        self._text_item: str | None = None  # the open message item's id
        self._text: list[str] = []
        self._logprobs: list[TokenLogprob] = []
        self._call: tuple[str, int, GrowingCall] | None = None  # the open function call: item id, index, call
        self._wants_logprobs = shell.call.logprobs is not None

    def event(self, kind: str, **fields: Any) -> bytes:
        payload = {"type": kind, **fields, "sequence_number": self._sequence}
        self._sequence += 1
        return sse(kind, payload)

    def text(self, delta: TextDelta) -> list[bytes]:
        chunks = self._close_call(None) if self._call is not None else []
        index = len(self.output)
        if self._text_item is None:
            self._text_item, self._text, self._logprobs = new_item_id("msg"), [], []
            chunks.append(
                self.event(
                    "response.output_item.added",
                    output_index=index,
                    item=message_item(self._text_item, "", "in_progress"),
                )
            )
            chunks.append(
                self.event(
                    "response.content_part.added",
                    item_id=self._text_item,
                    output_index=index,
                    content_index=0,
                    part=_text_part("", ()),
                )
            )
        self._text.append(delta.text)
        self._logprobs.extend(delta.logprobs)
        chunks.append(
            self.event(
                "response.output_text.delta",
                item_id=self._text_item,
                output_index=index,
                content_index=0,
                delta=delta.text,
                logprobs=logprobs_body(delta.logprobs) if self._wants_logprobs else [],
            )
        )
        return chunks

    def tool_call(self, delta: ToolCallDelta) -> list[bytes]:
        chunks = self._close_text("completed") if self._text_item is not None else []
        if self._call is not None and self._call[1] != delta.index:
            chunks += self._close_call(None)
        index = len(self.output)
        if self._call is None:
            call = GrowingCall.start(delta)
            self._call = (new_item_id("fc"), delta.index, call)
            chunks.append(
                self.event(
                    "response.output_item.added",
                    output_index=index,
                    item=function_call_item(self._call[0], ToolCall(call.id, call.name, ""), "in_progress"),
                )
            )
        else:
            self._call[2].add(delta)
        if delta.arguments:
            chunks.append(
                self.event(
                    "response.function_call_arguments.delta",
                    item_id=self._call[0],
                    output_index=index,
                    delta=delta.arguments,
                )
            )
        return chunks

    def close_open_item(self, finished: Finished) -> list[bytes]:
        chunks = self._close_items(finished)
        # The final object names each call exactly as delivered and signed.
        items = [item for item in self.output if item["type"] == "function_call"]
        for item, call in zip(items, finished.tool_calls, strict=False):
            item.update(call_id=call.id, name=call.name, arguments=call.arguments)
        return chunks

    def _close_items(self, finished: Finished) -> list[bytes]:
        if self._call is not None:
            return self._close_call(finished)
        if self._text_item is None and not finished.tool_calls:
            # Nothing was said: OpenAI still answers with one (empty) message.
            self._text_item, self._text, self._logprobs = new_item_id("msg"), [], []
            index = len(self.output)
            opened = [
                self.event(
                    "response.output_item.added",
                    output_index=index,
                    item=message_item(self._text_item, "", "in_progress"),
                ),
                self.event(
                    "response.content_part.added",
                    item_id=self._text_item,
                    output_index=index,
                    content_index=0,
                    part=_text_part("", ()),
                ),
            ]
            return opened + self._close_text(self._item_status(finished))
        if self._text_item is not None:
            return self._close_text(self._item_status(finished))
        return []

    def _item_status(self, finished: Finished) -> str:
        return "incomplete" if finished.finish_reason in INCOMPLETE_REASONS else "completed"

    def _close_text(self, status: str) -> list[bytes]:
        assert self._text_item is not None
        item_id, index, text = self._text_item, len(self.output), "".join(self._text)
        logprobs = tuple(self._logprobs) if self._wants_logprobs else ()
        part = _text_part(text, logprobs)
        item = message_item(item_id, text, status, logprobs)
        self._text_item = None
        self.output.append(item)
        return [
            self.event(
                "response.output_text.done",
                item_id=item_id,
                output_index=index,
                content_index=0,
                text=text,
                logprobs=part["logprobs"],
            ),
            self.event("response.content_part.done", item_id=item_id, output_index=index, content_index=0, part=part),
            self.event("response.output_item.done", output_index=index, item=item),
        ]

    def _close_call(self, finished: Finished | None) -> list[bytes]:
        assert self._call is not None
        item_id, position, growing = self._call
        index = len(self.output)
        call = growing.final(finished, position)
        item = function_call_item(item_id, call, "completed")
        self._call = None
        self.output.append(item)
        return [
            self.event(
                "response.function_call_arguments.done",
                item_id=item_id,
                output_index=index,
                name=call.name,
                arguments=call.arguments,
            ),
            self.event("response.output_item.done", output_index=index, item=item),
        ]


def _text_part(text: str, logprobs: tuple[TokenLogprob, ...]) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": logprobs_body(logprobs)}


def _usage(finished: Finished) -> dict[str, Any]:
    usage = finished.usage
    return {
        "input_tokens": usage.prompt_tokens,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": usage.completion_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": usage.total_tokens,
    }


def _format_body(call: CallRequest) -> dict[str, Any]:
    fmt = call.output_format
    if fmt.kind == "json_schema":
        return {
            "type": "json_schema",
            "name": fmt.name,
            "schema": dict(fmt.schema or {}),
            "strict": fmt.strict,
            "description": None,
        }
    return {"type": fmt.kind}
