"""OpenAI response bodies and stream chunks for chat and text completions (one builder for both).

Field by field as OpenAI sends them: ``message.tool_calls`` with ``content: null`` when the answer is only
calls, streamed ``delta.tool_calls`` pieces (the first of each call with ``id``, ``type`` and
``function.name``), ``logprobs.content`` on chat and ``tokens``/``token_logprobs``/``top_logprobs``/
``text_offset`` on text completions. A filtered answer is HTTP 200 with ``finish_reason: "content_filter"``
and ``content_filter_results`` (Azure OpenAI's field) naming what the guard found. paramstack's own
additions (``sources``, ``disclaimer``, ``attestation``) are extra fields, which OpenAI clients keep.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, Literal

import orjson

from paramstack.attest.wire import attach_attestation, attestation_sse_event
from paramstack.calls import Source, UsageCounts
from paramstack.engine.protocol import TokenLogprob, ToolCall, ToolCallDelta
from paramstack.errors import ParamstackError
from paramstack.gateway.call_events import EchoedPrompt, Finished, PipelineEvent, TextDelta
from paramstack.gateway.pipeline import PreparedCall
from paramstack.gateway.schemas import error_body
from paramstack.gateway.steps import Attestation
from paramstack.guard.result import Finding

Kind = Literal["chat", "text"]


@dataclass(frozen=True)
class ResponseShape:
    kind: Kind

    @property
    def object_name(self) -> str:
        return "chat.completion" if self.kind == "chat" else "text_completion"

    @property
    def chunk_object_name(self) -> str:
        return "chat.completion.chunk" if self.kind == "chat" else "text_completion"

    def logprobs(self, entries: Iterable[TokenLogprob], offset: int = 0) -> dict[str, Any]:
        if self.kind == "chat":
            return {"content": [_chat_logprob(e) for e in entries], "refusal": None}
        tokens, logprobs, tops, offsets = [], [], [], []
        for entry in entries:
            tokens.append(entry.token)
            logprobs.append(entry.logprob)
            tops.append(dict(entry.top) if entry.logprob is not None else None)
            offsets.append(offset)
            offset += len(entry.token)
        return {"tokens": tokens, "token_logprobs": logprobs, "top_logprobs": tops, "text_offset": offsets}


def usage_body(usage: UsageCounts) -> dict[str, int]:
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }


def sources_body(sources: list[Source]) -> list[dict[str, Any]]:
    return [{"document": s.document, "chunk": s.chunk, "score": s.score} for s in sources]


def tool_calls_body(calls: Iterable[ToolCall]) -> list[dict[str, Any]]:
    return [{"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}} for c in calls]


def content_filter_results(findings: Iterable[Finding]) -> dict[str, Any]:
    """What the output guard found, per check (types and no text), in Azure OpenAI's field."""
    found: dict[str, set[str]] = {}
    for finding in findings:
        found.setdefault(finding.check, set()).add(finding.type)
    return {check: {"filtered": True, "detected": True, "types": sorted(types)} for check, types in found.items()}


async def complete(
    events: AsyncGenerator[PipelineEvent, None], prepared: PreparedCall, shape: ResponseShape
) -> tuple[dict[str, Any], Attestation | None]:
    """Collect a whole completion into one response body (and its attestation, for the header)."""
    echoed, parts, logprobs = "", [], list[TokenLogprob]()
    finished: Finished | None = None
    async with aclosing(events):
        async for event in events:
            if isinstance(event, TextDelta):
                parts.append(event.text)
                logprobs.extend(event.logprobs)
            elif isinstance(event, EchoedPrompt):
                echoed = event.text
                logprobs[:0] = event.logprobs
            elif isinstance(event, Finished):
                finished = event
    assert finished is not None, "the pipeline always ends a completed generation with Finished"
    call, text = prepared.call, "".join(parts)
    wants_logprobs = prepared.request.logprobs is not None
    if shape.kind == "chat":
        message: dict[str, Any] = {
            "role": "assistant",
            "content": text if text or not finished.tool_calls else None,
            "refusal": None,
        }
        if finished.tool_calls:
            message["tool_calls"] = tool_calls_body(finished.tool_calls)
        if finished.disclaimer:
            message["disclaimer"] = finished.disclaimer
        choice: dict[str, Any] = {"index": 0, "message": message}
    else:
        choice = {"index": 0, "text": echoed + text}
        if finished.disclaimer:
            choice["disclaimer"] = finished.disclaimer
    choice["logprobs"] = shape.logprobs(logprobs) if wants_logprobs else None
    choice["finish_reason"] = finished.finish_reason
    if finished.finish_reason == "content_filter":
        choice["content_filter_results"] = content_filter_results(finished.filtered)
    body: dict[str, Any] = {
        "id": call.request_id,
        "object": shape.object_name,
        "created": call.created,
        "model": call.public_model,
        "system_fingerprint": None,
        "choices": [choice],
        "usage": usage_body(finished.usage),
    }
    if prepared.sources:
        body["sources"] = sources_body(prepared.sources)
    if finished.attestation is not None:
        attach_attestation(body, finished.attestation)
    return body, finished.attestation


async def stream(
    events: AsyncGenerator[PipelineEvent, None], prepared: PreparedCall, shape: ResponseShape, include_usage: bool
) -> AsyncIterator[bytes]:
    """Server-sent events exactly as OpenAI sends them; paramstack's sources and attestation chunks (empty
    ``choices``, like OpenAI's usage chunk) come last, just before ``data: [DONE]``."""
    call = prepared.call
    base = {
        "id": call.request_id,
        "object": shape.chunk_object_name,
        "created": call.created,
        "model": call.public_model,
        "system_fingerprint": None,
    }
    extra_usage = {"usage": None} if include_usage else {}
    wants_logprobs = prepared.request.logprobs is not None
    offset = 0

    def chunk(choice: dict[str, Any]) -> bytes:
        return _sse({**base, "choices": [{"index": 0, **choice}], **extra_usage})

    try:
        async with aclosing(events):
            if shape.kind == "chat":
                yield chunk(
                    {
                        "delta": {"role": "assistant", "content": "", "refusal": None},
                        "logprobs": None,
                        "finish_reason": None,
                    }
                )
            async for event in events:
                if isinstance(event, TextDelta | EchoedPrompt):
                    logprobs = shape.logprobs(event.logprobs, offset) if wants_logprobs and event.logprobs else None
                    offset += len(event.text)
                    if shape.kind == "chat":
                        yield chunk({"delta": {"content": event.text}, "logprobs": logprobs, "finish_reason": None})
                    else:
                        yield chunk({"text": event.text, "logprobs": logprobs, "finish_reason": None})
                elif isinstance(event, ToolCallDelta):
                    yield chunk(
                        {"delta": {"tool_calls": [_tool_call_delta(event)]}, "logprobs": None, "finish_reason": None}
                    )
                elif isinstance(event, Finished):
                    final: dict[str, Any] = {"delta": {}} if shape.kind == "chat" else {"text": ""}
                    final.update(logprobs=None, finish_reason=event.finish_reason)
                    if event.finish_reason == "content_filter":
                        final["content_filter_results"] = content_filter_results(event.filtered)
                    yield chunk(final)
                    if include_usage:
                        yield _sse({**base, "choices": [], "usage": usage_body(event.usage)})
                    if event.disclaimer:
                        yield _sse({**base, "choices": [], "disclaimer": event.disclaimer})
                    if prepared.sources:
                        yield _sse({**base, "choices": [], "sources": sources_body(prepared.sources)})
                    if event.attestation is not None:
                        yield attestation_sse_event(
                            event.attestation,
                            response_id=call.request_id,
                            model=call.public_model,
                            created=call.created,
                            object_type=shape.chunk_object_name,
                        ).encode("utf-8")
    except ParamstackError as error:
        # Headers are gone already: report the error the way OpenAI does mid-stream, then end.
        yield _sse(error_body(error.message, error.error_type, error.param, error.code))
    yield b"data: [DONE]\n\n"


def _tool_call_delta(delta: ToolCallDelta) -> dict[str, Any]:
    if delta.id is not None:
        return {
            "index": delta.index,
            "id": delta.id,
            "type": "function",
            "function": {"name": delta.name or "", "arguments": delta.arguments},
        }
    return {"index": delta.index, "function": {"arguments": delta.arguments}}


def _chat_logprob(entry: TokenLogprob) -> dict[str, Any]:
    return {
        "token": entry.token,
        "logprob": entry.logprob,
        "bytes": list(entry.token.encode("utf-8")),
        "top_logprobs": [{"token": t, "logprob": lp, "bytes": list(t.encode("utf-8"))} for t, lp in entry.top],
    }


def _sse(payload: dict[str, Any]) -> bytes:
    return b"data: " + orjson.dumps(payload) + b"\n\n"
