"""One request while it is being generated: its tokens, its text so far, and why it ends.

The scheduler only moves tensors; a ``Row`` decides what each new token means for the client
(text delta, stop token, stop string, length limit, tool call) and builds the chunk to send.

A constrained row carries its grammar matcher (the scheduler masks its logits with it; ``accept`` advances
it). Stop strings do not apply to constrained rows: cutting grammar-forced JSON short would hand out JSON
that does not parse under finish_reason "stop". Logprob entries wait until the text of their token is
released (stop strings and partial characters hold text back) so a chunk's entries spell its text; on
rows that parse tool calls only the content's tokens have entries (OpenAI's ``logprobs.content``), each
spelling its share of the content.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

from paramstack.engine.detokenizer import IncrementalDetokenizer
from paramstack.engine.protocol import FinishReason, GenerationChunk, SamplingParams, TokenLogprob, ToolCallDelta
from paramstack.engine.stopping import StopStringBuffer
from paramstack.engine.tool_calls import ToolCallParser
from paramstack.errors import ServiceUnavailable

if TYPE_CHECKING:
    from paramstack.engine.grammars import SurrogateBan


class ChunkSink(Protocol):
    """Where a row's chunks go (the client's event loop). Both methods are called on the worker thread."""

    def post(self, item: GenerationChunk | BaseException) -> None:
        """Stage a chunk, or the exception that ended the row. RuntimeError: nobody listens any more."""
        ...

    @property
    def flush(self) -> Callable[[], None]:
        """Hands staged items over; rows sharing a receiver share this callable, so a step calls it once."""
        ...


@dataclass(eq=False)
class Row:
    request_id: str
    prompt_ids: list[int]
    adapter: str | None
    params: SamplingParams
    sink: ChunkSink
    detokenizer: IncrementalDetokenizer
    stop_token_ids: Collection[int]
    sampler: Any  # sampling.RowSampler; typed loosely so this module stays free of torch
    matcher: Any = None  # xgrammar.GrammarMatcher of a constrained row
    control_token_ids: Any = None  # tokens banned wherever a constrained row writes JSON (grammars.py)
    surrogate_ban: SurrogateBan | None = None  # keeps a constrained row's bytes valid UTF-8 (grammars.py)
    tool_parser: ToolCallParser | None = None
    logprobs: int | None = None  # top alternatives wanted per token (0 = the token's own logprob only)
    echo_logprobs: bool = False  # the prompt's logprobs go on the first chunk (set by the prefill)
    prompt_logprobs: tuple[TokenLogprob, ...] = ()
    stops: StopStringBuffer = field(init=False)
    completion_tokens: int = 0
    last_token: int = -1
    finish_reason: FinishReason | None = None
    # Set from the event loop's thread when the client goes away; read by the worker between steps.
    cancelled: bool = False
    failed: bool = False
    _pending_logprobs: list[TokenLogprob] = field(default_factory=list)
    _pending_starts: list[int] = field(default_factory=list)  # each entry's offset in the generated text
    _generated_chars: int = 0
    _logprob_chars: int = 0  # released text not yet matched to pending entries
    _sent: bool = False

    def __post_init__(self) -> None:
        self.stops = StopStringBuffer(() if self.matcher is not None else self.params.stop)

    @property
    def done(self) -> bool:
        return self.finish_reason is not None or self.cancelled or self.failed

    @property
    def in_json(self) -> bool:
        """The row is writing grammar-constrained compact JSON (a JSON answer, a call's arguments)."""
        if self.matcher is None:
            return False
        return self.tool_parser is None or self.tool_parser.in_arguments

    @property
    def position(self) -> int:
        """Position id of ``last_token``, the token the next decode step feeds in."""
        return len(self.prompt_ids) + self.completion_tokens - 1

    def accept(self, token_id: int, logprob: TokenLogprob | None = None) -> GenerationChunk | None:
        """Record a sampled token; returns the chunk to send (None when there is nothing new to show)."""
        self.completion_tokens += 1
        self.last_token = token_id
        if self.matcher is not None and not self.matcher.accept_token(token_id):
            # The mask makes this impossible; if it happens anyway, never hand out what the grammar refused.
            self.fail(ServiceUnavailable("the local engine's constrained decoder lost track of this answer"))
            return None
        if token_id in self.stop_token_ids:
            self._note(logprob, "")
            return self._finish("stop", "")
        piece = self.detokenizer.push(token_id)
        self._note(logprob, piece)
        check = self.stops.push(piece)
        if check.stopped:
            return self._finish("stop", check.text, flush=False)
        if self.completion_tokens >= self.params.max_tokens:
            return self._finish("length", check.text)
        text, calls = self._parse(check.text)
        if not (text or calls or (self.prompt_logprobs and not self._sent)):
            return None
        return self._chunk(text, calls)

    def fail(self, error: BaseException) -> None:
        self.failed = True
        self.send(error)
        self.sink.flush()

    def send(self, item: GenerationChunk | BaseException) -> None:
        """Stage ``item``; the scheduler flushes the sinks once per step."""
        try:
            self.sink.post(item)
        except RuntimeError:
            self.cancelled = True  # the client's event loop is closed: nobody is listening any more

    def _finish(self, reason: FinishReason, text: str, *, flush: bool = True) -> GenerationChunk:
        if flush:
            # The tail the detokenizer held back (an unfinished character) may still complete a stop string.
            check = self.stops.push(self.detokenizer.flush())
            text += check.text
            if check.stopped:
                reason = "stop"
            else:
                text += self.stops.flush()
        text, calls = self._parse(text)
        if self.tool_parser is not None:
            tail, more = self.tool_parser.finish(drop_partial_tag=self.matcher is not None)
            text, calls = text + tail, calls + more
            if reason == "stop" and self.tool_parser.calls and not self.tool_parser.in_call:
                reason = "tool_calls"
        self.finish_reason = reason
        return self._chunk(text, calls)

    def _parse(self, text: str) -> tuple[str, tuple[ToolCallDelta, ...]]:
        if self.tool_parser is None or not text:
            return text, ()
        return self.tool_parser.push(text)

    def _note(self, logprob: TokenLogprob | None, piece: str) -> None:
        if logprob is not None and self.logprobs is not None:
            self._pending_logprobs.append(replace(logprob, token=piece))
            self._pending_starts.append(self._generated_chars)
        self._generated_chars += len(piece)

    def _released_logprobs(self, text: str) -> tuple[TokenLogprob, ...]:
        """Entries whose token text is now shown; at the end, all of them (cut to the text shown)."""
        if self.tool_parser is not None:
            return self._released_content_logprobs()
        self._logprob_chars += len(text)
        pending, released = self._pending_logprobs, []
        while pending and len(pending[0].token) <= self._logprob_chars:
            entry = pending.pop(0)
            self._logprob_chars -= len(entry.token)
            released.append(entry)
        if self.finish_reason is not None:
            for entry in pending:  # past a stop string: their text is not shown
                take = min(len(entry.token), self._logprob_chars)
                released.append(replace(entry, token=entry.token[:take]))
                self._logprob_chars -= take
            pending.clear()
        return tuple(released)

    def _released_content_logprobs(self) -> tuple[TokenLogprob, ...]:
        """Entries of the tokens whose fate the parser knows, spelling their share of the content; tokens
        wholly inside a tool call have none."""
        parser = self.tool_parser
        assert parser is not None
        frontier = parser.decided if self.finish_reason is None else None
        released = []
        while self._pending_logprobs:
            entry, start = self._pending_logprobs[0], self._pending_starts[0]
            end = start + len(entry.token)
            if frontier is not None and end > frontier:
                break
            del self._pending_logprobs[0], self._pending_starts[0]
            spans = [(a, b) for a, b in parser.content_spans if a < end and b > start or a <= start <= b]
            if spans:
                shown = "".join(entry.token[max(a, start) - start : min(b, end) - start] for a, b in spans)
                if shown or start == end:
                    released.append(replace(entry, token=shown))
        return tuple(released)

    def _chunk(self, text: str, calls: tuple[ToolCallDelta, ...] = ()) -> GenerationChunk:
        first = not self._sent
        self._sent = True
        return GenerationChunk(
            text=text,
            prompt_tokens=len(self.prompt_ids),
            completion_tokens=self.completion_tokens,
            finish_reason=self.finish_reason,
            tool_calls=calls,
            logprobs=self._released_logprobs(text) if self.logprobs is not None else (),
            prompt_logprobs=self.prompt_logprobs if first else (),
            stop_sequence=self.stops.matched if self.finish_reason == "stop" else None,
        )
