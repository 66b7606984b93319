"""What every protocol encoder needs from the pipeline's events: the whole output of a non-streamed call,
the tool calls of a stream as they grow, and server-sent-event framing."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from paramstack.engine.protocol import TokenLogprob, ToolCall, ToolCallDelta
from paramstack.gateway.call_events import Finished, PipelineEvent, TextDelta


@dataclass(frozen=True)
class CollectedOutput:
    text: str
    logprobs: tuple[TokenLogprob, ...]
    finished: Finished

    @property
    def tool_calls(self) -> tuple[ToolCall, ...]:
        return self.finished.tool_calls


async def collect(events: AsyncGenerator[PipelineEvent, None]) -> CollectedOutput:
    """A whole call's output (the complete tool calls come with ``Finished``)."""
    parts: list[str] = []
    logprobs: list[TokenLogprob] = []
    finished: Finished | None = None
    async with aclosing(events):
        async for event in events:
            if isinstance(event, TextDelta):
                parts.append(event.text)
                logprobs.extend(event.logprobs)
            elif isinstance(event, Finished):
                finished = event
    assert finished is not None, "the pipeline always ends a completed generation with Finished"
    return CollectedOutput("".join(parts), tuple(logprobs), finished)


@dataclass
class GrowingCall:
    """A streamed tool call: its id and name from the first delta, arguments as they arrive."""

    id: str
    name: str
    arguments: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, delta: ToolCallDelta) -> GrowingCall:
        call = cls(id=delta.id or "", name=delta.name or "")
        call.add(delta)
        return call

    def add(self, delta: ToolCallDelta) -> None:
        self.id = self.id or delta.id or ""
        self.name = self.name or delta.name or ""
        if delta.arguments:
            self.arguments.append(delta.arguments)

    def final(self, finished: Finished | None, index: int) -> ToolCall:
        """The call as delivered and signed (``Finished.tool_calls``), else as it was streamed."""
        if finished is not None and index < len(finished.tool_calls):
            return finished.tool_calls[index]
        return ToolCall(self.id, self.name, "".join(self.arguments))


def sse(event: str | None, payload: dict[str, Any]) -> bytes:
    head = f"event: {event}\n" if event else ""
    return (head + "data: " + json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n\n").encode()


def logprobs_body(logprobs: tuple[TokenLogprob, ...]) -> list[dict[str, Any]]:
    """OpenAI's token logprobs shape (Responses and chat share it)."""
    return [
        {
            "token": t.token,
            "logprob": t.logprob,
            "bytes": list(t.token.encode("utf-8")),
            "top_logprobs": [{"token": tok, "logprob": lp, "bytes": list(tok.encode("utf-8"))} for tok, lp in t.top],
        }
        for t in logprobs
    ]
