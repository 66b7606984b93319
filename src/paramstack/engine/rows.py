"""One request while it is being generated: its tokens, its text so far, and why it ends.

The scheduler only moves tensors; a ``Row`` decides what each new token means for the client
(text delta, stop token, stop string, length limit) and builds the chunk to send.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any, Protocol

from paramstack.engine.detokenizer import IncrementalDetokenizer
from paramstack.engine.protocol import FinishReason, GenerationChunk, SamplingParams
from paramstack.engine.stopping import StopStringBuffer


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
    stops: StopStringBuffer = field(init=False)
    completion_tokens: int = 0
    last_token: int = -1
    finish_reason: FinishReason | None = None
    # Set from the event loop's thread when the client goes away; read by the worker between steps.
    cancelled: bool = False
    failed: bool = False

    def __post_init__(self) -> None:
        self.stops = StopStringBuffer(self.params.stop)

    @property
    def done(self) -> bool:
        return self.finish_reason is not None or self.cancelled or self.failed

    @property
    def position(self) -> int:
        """Position id of ``last_token``, the token the next decode step feeds in."""
        return len(self.prompt_ids) + self.completion_tokens - 1

    def accept(self, token_id: int) -> GenerationChunk | None:
        """Record a sampled token; returns the chunk to send (None when there is nothing new to show)."""
        self.completion_tokens += 1
        self.last_token = token_id
        if token_id in self.stop_token_ids:
            return self._finish("stop", "")
        check = self.stops.push(self.detokenizer.push(token_id))
        if check.stopped:
            return self._finish("stop", check.text, flush=False)
        if self.completion_tokens >= self.params.max_tokens:
            return self._finish("length", check.text)
        return self._chunk(check.text) if check.text else None

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
        self.finish_reason = reason
        return self._chunk(text)

    def _chunk(self, text: str) -> GenerationChunk:
        return GenerationChunk(
            text=text,
            prompt_tokens=len(self.prompt_ids),
            completion_tokens=self.completion_tokens,
            finish_reason=self.finish_reason,
        )
