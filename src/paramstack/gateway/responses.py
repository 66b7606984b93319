"""OpenAI response and stream-chunk bodies for chat and text completions (one builder for both)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, Literal

from paramstack.attest.wire import attach_attestation, attestation_sse_event
from paramstack.calls import Source, UsageCounts
from paramstack.errors import ParamstackError
from paramstack.gateway.pipeline import Finished, PreparedCall, TextDelta
from paramstack.gateway.schemas import error_body
from paramstack.gateway.steps import Attestation

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

    def choice(self, text: str, finish_reason: str | None) -> dict[str, Any]:
        if self.kind == "chat":
            return {"index": 0, "message": {"role": "assistant", "content": text, "refusal": None},
                    "logprobs": None, "finish_reason": finish_reason}
        return {"index": 0, "text": text, "logprobs": None, "finish_reason": finish_reason}

    def delta_choice(self, text: str | None, finish_reason: str | None, first: bool = False) -> dict[str, Any]:
        if self.kind == "chat":
            delta: dict[str, Any] = {"role": "assistant", "content": ""} if first else {}
            if text:
                delta["content"] = text
            return {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        return {"index": 0, "text": text or "", "logprobs": None, "finish_reason": finish_reason}


def usage_body(usage: UsageCounts) -> dict[str, int]:
    return {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
            "total_tokens": usage.total_tokens}


def sources_body(sources: list[Source]) -> list[dict[str, Any]]:
    return [{"document": s.document, "chunk": s.chunk, "score": s.score} for s in sources]


async def complete(events: AsyncIterator[TextDelta | Finished], prepared: PreparedCall,
                   shape: ResponseShape) -> tuple[dict[str, Any], Attestation | None]:
    """Collect a whole completion into one response body (and its attestation, for the header)."""
    parts: list[str] = []
    finished: Finished | None = None
    async with aclosing(events):
        async for event in events:
            if isinstance(event, TextDelta):
                parts.append(event.text)
            else:
                finished = event
    assert finished is not None, "the pipeline always ends a completed generation with Finished"
    call = prepared.call
    body: dict[str, Any] = {
        "id": call.request_id, "object": shape.object_name, "created": call.created,
        "model": call.public_model, "system_fingerprint": None,
        "choices": [shape.choice("".join(parts), finished.finish_reason)],
        "usage": usage_body(finished.usage),
    }
    if prepared.sources:
        body["sources"] = sources_body(prepared.sources)
    if finished.attestation is not None:
        attach_attestation(body, finished.attestation)  # type: ignore[arg-type]
    return body, finished.attestation


async def stream(events: AsyncIterator[TextDelta | Finished], prepared: PreparedCall, shape: ResponseShape,
                 include_usage: bool) -> AsyncIterator[bytes]:
    """Server-sent events exactly as OpenAI sends them; paramstack's sources and attestation chunks (empty
    ``choices``, like OpenAI's usage chunk) come last, just before ``data: [DONE]``."""
    call = prepared.call
    base = {"id": call.request_id, "object": shape.chunk_object_name, "created": call.created,
            "model": call.public_model, "system_fingerprint": None}
    extra_usage = {"usage": None} if include_usage else {}
    try:
        async with aclosing(events):
            if shape.kind == "chat":
                yield _sse({**base, "choices": [shape.delta_choice(None, None, first=True)], **extra_usage})
            async for event in events:
                if isinstance(event, TextDelta):
                    yield _sse({**base, "choices": [shape.delta_choice(event.text, None)], **extra_usage})
                    continue
                yield _sse({**base, "choices": [shape.delta_choice(None, event.finish_reason)], **extra_usage})
                if include_usage:
                    yield _sse({**base, "choices": [], "usage": usage_body(event.usage)})
                if prepared.sources:
                    yield _sse({**base, "choices": [], "sources": sources_body(prepared.sources)})
                if event.attestation is not None:
                    yield attestation_sse_event(event.attestation, response_id=call.request_id,
                                                model=call.public_model, created=call.created,
                                                object_type=shape.chunk_object_name).encode("utf-8")
    except ParamstackError as error:
        # Headers are gone already: report the error the way OpenAI does mid-stream, then end.
        yield _sse(error_body(error.message, error.error_type, error.param, error.code))
    yield b"data: [DONE]\n\n"


def _sse(payload: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n\n"
