"""The one interface every inference backend implements.

A backend receives a fully resolved request (the gateway has already authenticated the tenant, picked the
adapter and admitted the call) and yields text deltas with exact token counts. Backends: ``local.py``
(transformers + PEFT in this process), ``openai_upstream.py`` (vLLM or any OpenAI-compatible server).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol, runtime_checkable

Role = Literal["system", "user", "assistant", "tool"]
FinishReason = Literal["stop", "length", "tool_calls", "content_filter"]
PartKind = Literal["text", "image", "audio", "file"]
MAX_TOP_LOGPROBS = 20


@dataclass(frozen=True)
class ContentPart:
    """One part of a message's content, in the caller's order.

    A ``text`` part carries ``text``. Other kinds (image, audio, file) carry the part as the caller sent it
    (``source``, OpenAI's shape: ``{"type": "image_url", "image_url": {...}}``) for a backend that can take it.
    """

    kind: PartKind
    text: str = ""
    source: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class ToolCall:
    """A function call the model made. ``arguments`` is JSON text, exactly the bytes delivered (and signed)."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class ChatMessage:
    """One turn. ``content`` is the turn's text (its text parts joined); ``parts`` is the content as the
    caller sent it when it was a list of parts (text parts included); an assistant turn may carry
    ``tool_calls`` and a ``tool`` turn answers the call ``tool_call_id``."""

    role: Role
    content: str
    parts: tuple[ContentPart, ...] = ()
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None

    @property
    def media(self) -> tuple[ContentPart, ...]:
        """The parts that are not text (images, audio, files)."""
        return tuple(p for p in self.parts if p.kind != "text")

    def with_text(self, rewrite: Callable[[str], str]) -> ChatMessage:
        """This turn with ``rewrite`` applied to each text (the whole content, or each text part)."""
        if not self.parts:
            return replace(self, content=rewrite(self.content))
        parts = tuple(replace(p, text=rewrite(p.text)) if p.kind == "text" else p for p in self.parts)
        return replace(self, content="".join(p.text for p in parts if p.kind == "text"), parts=parts)


@dataclass(frozen=True)
class ToolSpec:
    """A function the model may call; ``parameters`` is its arguments' JSON Schema."""

    name: str
    description: str | None = None
    parameters: Mapping[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
    strict: bool = False


@dataclass(frozen=True)
class ToolChoice:
    """``none``: no tool call; ``auto``: the model decides; ``required``: at least one call (of ``name``
    when a function is named)."""

    mode: Literal["none", "auto", "required"] = "auto"
    name: str | None = None


@dataclass(frozen=True)
class OutputFormat:
    """``json_object``: any JSON object; ``json_schema``: JSON valid against ``schema``."""

    kind: Literal["text", "json_object", "json_schema"] = "text"
    name: str | None = None
    schema: Mapping[str, Any] | None = None
    strict: bool = False

    @property
    def is_json(self) -> bool:
        return self.kind != "text"


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
    """Exactly one of ``messages`` (chat: the model's chat template is applied) or ``prompt`` (raw text, or
    token ids as a tuple of ints).

    ``passthrough`` holds the caller's fields that the gateway does not interpret, as sent: an
    OpenAI-compatible upstream receives them unchanged; other backends ignore them.
    """

    request_id: str
    model: str
    sampling: SamplingParams = field(default_factory=SamplingParams)
    messages: Sequence[ChatMessage] | None = None
    prompt: str | tuple[int, ...] | None = None
    adapter: str | None = None  # the backend's adapter name; None = the base model
    # False: the caller only wants the whole answer (its client did not ask to stream), so a backend may
    # deliver it in one chunk; a remote one then asks its server for one response instead of a token stream.
    incremental: bool = True
    tools: tuple[ToolSpec, ...] = ()
    tool_choice: ToolChoice = field(default_factory=ToolChoice)
    parallel_tool_calls: bool = True
    output_format: OutputFormat = field(default_factory=OutputFormat)
    logprobs: int | None = None  # None: no logprobs; n: each token's logprob and its n best alternatives
    echo: bool = False  # text completions: the prompt (and its logprobs) comes back before the answer
    passthrough: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.messages is None) == (self.prompt is None):
            raise ValueError("a GenerationRequest needs exactly one of messages or prompt")

    @property
    def wants_tool_call(self) -> bool:
        """The caller forces a tool call (``required`` or a named function)."""
        return bool(self.tools) and self.tool_choice.mode == "required"


@dataclass(frozen=True)
class TokenLogprob:
    """One token's log-probability and its ``top`` alternatives (``(token, logprob)``, best first).
    ``logprob`` is None only for the first token of an echoed prompt (nothing precedes it)."""

    token: str
    logprob: float | None
    top: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class ToolCallDelta:
    """A piece of the tool call at ``index``, as OpenAI streams it: the first piece has ``id`` and ``name``,
    every piece may add to ``arguments``."""

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""


@dataclass(frozen=True)
class GenerationChunk:
    """One step of a generation. ``text`` is the new text since the previous chunk (may be empty).

    Every chunk carries the running token counts; the last chunk has ``finish_reason`` set, and
    ``stop_sequence`` when one of the request's stop strings ended the text (Anthropic reports which).
    ``logprobs`` has one entry per token whose text is in this chunk; ``prompt_logprobs`` (echo) comes on the
    first.
    """

    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: FinishReason | None = None
    tool_calls: tuple[ToolCallDelta, ...] = ()
    logprobs: tuple[TokenLogprob, ...] = ()
    prompt_logprobs: tuple[TokenLogprob, ...] = ()
    stop_sequence: str | None = None


@runtime_checkable
class Capabilities(Protocol):
    """What a backend can do beyond plain text, where it can tell (``GET /v1/models`` reports it)."""

    def capabilities(self) -> Mapping[str, bool]: ...


@runtime_checkable
class Engine(Protocol):
    """An inference backend. Closing the iterator returned by ``generate`` cancels the generation."""

    def generate(self, request: GenerationRequest) -> AsyncGenerator[GenerationChunk, None]: ...

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
