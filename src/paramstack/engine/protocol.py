"""The one interface every inference backend implements.

A backend receives a fully resolved request (the gateway has already authenticated the tenant, picked the
adapter and admitted the call) and yields text deltas with exact token counts. Backends: ``local.py``
(transformers + PEFT in this process), ``openai_upstream.py`` (vLLM or any OpenAI-compatible server).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

Role = Literal["system", "user", "assistant", "tool"]
FinishReason = Literal["stop", "length"]


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True)
class SamplingParams:
    """Sampling settings of one request. ``temperature == 0`` means greedy decoding."""

    max_tokens: int = 256
    temperature: float = 1.0
    top_p: float = 1.0
    stop: tuple[str, ...] = ()
    seed: int | None = None


@dataclass(frozen=True)
class GenerationRequest:
    """Exactly one of ``messages`` (chat: the model's chat template is applied) or ``prompt`` (raw text)."""

    request_id: str
    model: str
    sampling: SamplingParams = field(default_factory=SamplingParams)
    messages: Sequence[ChatMessage] | None = None
    prompt: str | None = None
    adapter: str | None = None  # the backend's adapter name; None = the base model
    # False: the caller only wants the whole answer (its client did not ask to stream), so a backend may
    # deliver it in one chunk; a remote one then asks its server for one response instead of a token stream.
    incremental: bool = True

    def __post_init__(self) -> None:
        if (self.messages is None) == (self.prompt is None):
            raise ValueError("a GenerationRequest needs exactly one of messages or prompt")


@dataclass(frozen=True)
class GenerationChunk:
    """One step of a generation. ``text`` is the new text since the previous chunk (may be empty).

    Every chunk carries the running token counts; the last chunk has ``finish_reason`` set.
    """

    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: FinishReason | None = None


@runtime_checkable
class Engine(Protocol):
    """An inference backend. Closing the iterator returned by ``generate`` cancels the generation."""

    def generate(self, request: GenerationRequest) -> AsyncIterator[GenerationChunk]: ...

    async def count_prompt_tokens(self, request: GenerationRequest) -> int:
        """Tokens the prompt will cost (exact where the backend can tell, else an upper bound).

        Raises ``ContextLengthExceeded`` when prompt + max_tokens does not fit the model.
        """
        ...

    def adapters(self) -> list[str]:
        """Names of the adapters this backend can serve right now."""
        ...

    async def load_adapter(self, name: str, path: str) -> None: ...

    async def unload_adapter(self, name: str) -> None: ...

    async def aclose(self) -> None: ...
