"""What a client is sent of a generation: the engine's chunks through the output guard.

Text goes through the response's output filter (the hold-back buffer); each tool call's arguments go
through a filter of their own, which masks (PII) and blocks but never appends: a disclaimer never lands
inside arguments. When the answer is JSON (a response format) or a tool call, an appended disclaimer is kept
apart (``Delivery.disclaimer``) so the JSON stays valid. Logprobs travel with the text they belong to, as
long as the guard has not changed that text (a masked value's tokens must not leak through its logprobs).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from paramstack.engine.protocol import GenerationChunk, TokenLogprob, ToolCall, ToolCallDelta
from paramstack.gateway.steps import OutputFilter
from paramstack.guard.result import Finding

Event = object  # TextDelta | EchoedPrompt | ToolCallDelta (pipeline.py)


@dataclass
class _Call:
    id: str
    name: str
    guard: OutputFilter | None
    arguments: list[str] = field(default_factory=list)

    def delivered(self) -> ToolCall:
        return ToolCall(self.id, self.name, "".join(self.arguments))


class Delivery:
    def __init__(
        self,
        text_filter: OutputFilter | None,
        args_filter: Callable[[], OutputFilter] | None,
        *,
        keep_appendix_apart: bool,
        logprobs: bool,
        on_first_output: Callable[[], None],
    ) -> None:
        self._text_filter = text_filter
        self._args_filter = args_filter
        self._keep_apart = keep_appendix_apart
        self._on_first_output = on_first_output
        self._started = False
        self._raw: list[str] = []
        self._raw_chars = 0
        self._sent: list[str] = []
        self._sent_chars = 0
        self._logprobs = logprobs
        self._intact = True  # the guard has not changed any text so far: logprobs may go out
        self._pending_logprobs: list[tuple[int, TokenLogprob]] = []  # (raw end offset, entry)
        self._calls: dict[int, _Call] = {}
        self.echoed = ""
        self.disclaimer: str | None = None

    # ----- feeding --------------------------------------------------------------------------------

    def add(
        self,
        chunk: GenerationChunk,
        make_text: Callable[[str, tuple[TokenLogprob, ...]], Event],
        make_echo: Callable[[str, tuple[TokenLogprob, ...]], Event],
    ) -> list[Event]:
        """The events this chunk releases (raises ContentBlocked when the guard blocks)."""
        events: list[Event] = []
        if chunk.prompt_logprobs:
            self.echoed = "".join(t.token for t in chunk.prompt_logprobs)
            events.append(make_echo(self.echoed, chunk.prompt_logprobs))
        if chunk.text or chunk.logprobs:
            offset = self._raw_chars
            for entry in chunk.logprobs:
                offset += len(entry.token)
                self._pending_logprobs.append((offset, entry))
            self._raw.append(chunk.text)
            self._raw_chars += len(chunk.text)
            safe = self._text_filter.feed(chunk.text) if self._text_filter else chunk.text
            events.extend(self._text(safe, make_text))
        for piece in chunk.tool_calls:
            events.extend(self._tool_piece(piece))
        return events

    def finish(self, make_text: Callable[[str, tuple[TokenLogprob, ...]], Event]) -> list[Event]:
        """The held-back rest (raises ContentBlocked when the guard blocks it)."""
        events: list[Event] = []
        for index, call in self._calls.items():
            if call.guard is not None:
                tail = call.guard.finish()
                tail = tail[: len(tail) - len(call.guard.appendix)] if call.guard.appendix else tail
                if tail:
                    call.arguments.append(tail)
                    events.append(ToolCallDelta(index, arguments=tail))
        if self._text_filter is not None:
            tail = self._text_filter.finish()
            appendix = self._text_filter.appendix
            if appendix and (self._keep_apart or (self._calls and not self._sent_chars)):
                tail, self.disclaimer = tail[: len(tail) - len(appendix)], appendix
            events.extend(self._text(tail, make_text, final=True))
        elif self._pending_logprobs:
            events.extend(self._text("", make_text, final=True))
        return events

    # ----- what was delivered ---------------------------------------------------------------------

    @property
    def text(self) -> str:
        """Everything the client got as text (an echoed prompt first)."""
        return self.echoed + "".join(self._sent)

    @property
    def tool_calls(self) -> tuple[ToolCall, ...]:
        return tuple(self._calls[i].delivered() for i in sorted(self._calls))

    @property
    def findings(self) -> list[Finding]:
        found = list(self._text_filter.findings) if self._text_filter else []
        for call in self._calls.values():
            if call.guard is not None:
                found.extend(call.guard.findings)
        return found

    # ----- internals ------------------------------------------------------------------------------

    def _text(
        self, safe: str, make_text: Callable[[str, tuple[TokenLogprob, ...]], Event], *, final: bool = False
    ) -> list[Event]:
        if safe:
            self._output_started()
            self._sent.append(safe)
            self._sent_chars += len(safe)
            if self._logprobs and self._intact and "".join(self._raw)[: self._sent_chars] != "".join(self._sent):
                self._intact = False
        logprobs = self._release_logprobs(final)
        return [make_text(safe, logprobs)] if safe or logprobs else []

    def _release_logprobs(self, final: bool) -> tuple[TokenLogprob, ...]:
        if not self._pending_logprobs:
            return ()
        if not self._intact:
            self._pending_logprobs.clear()
            return ()
        limit = self._raw_chars if final else self._sent_chars
        ready = [entry for end, entry in self._pending_logprobs if end <= limit]
        self._pending_logprobs = [(end, entry) for end, entry in self._pending_logprobs if end > limit]
        return tuple(ready)

    def _tool_piece(self, piece: ToolCallDelta) -> list[Event]:
        events: list[Event] = []
        call = self._calls.get(piece.index)
        if call is None:
            self._output_started()
            call = self._calls[piece.index] = _Call(
                piece.id or f"call_{time.time_ns():x}{piece.index}",
                piece.name or "",
                self._args_filter() if self._args_filter else None,
            )
            events.append(ToolCallDelta(piece.index, id=call.id, name=call.name, arguments=""))
        elif piece.name and not call.name:
            call.name = piece.name
        if piece.arguments:
            safe = call.guard.feed(piece.arguments) if call.guard else piece.arguments
            if safe:
                call.arguments.append(safe)
                events.append(ToolCallDelta(piece.index, arguments=safe))
        return events

    def _output_started(self) -> None:
        if not self._started:
            self._started = True
            self._on_first_output()
