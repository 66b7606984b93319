"""The one internal call every wire protocol translates into (chat completions, completions, Responses, Messages).

A front-end (``gateway/protocols/...`` or ``routes/...``) validates its own request body, then builds a
``CallRequest``; the pipeline knows only this type, so limits, guard, retrieval, engine, signing, ledger and
audit work the same on every protocol. The pipeline's events (``TextDelta``, ``ToolCallDelta``, ``Finished``)
go back to the front-end's encoder, which writes the protocol's response or stream.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from paramstack.engine.protocol import ChatMessage, OutputFormat, ToolChoice, ToolSpec

Protocol = Literal["chat", "text", "responses", "messages"]


@dataclass(frozen=True)
class CallRequest:
    """What the caller asked for, protocol-neutral. Exactly one of ``messages`` and ``prompt``.

    ``passthrough``: fields of the caller's body the gateway does not interpret, forwarded as sent to an
    OpenAI-compatible upstream (vLLM) and ignored by other backends. ``id_prefix`` starts the response id as
    each provider writes its own ("chatcmpl-", "cmpl-", "resp_", "msg_").
    """

    protocol: Protocol
    model: str
    messages: tuple[ChatMessage, ...] | None = None
    prompt: str | tuple[int, ...] | None = None
    max_tokens: int | None = None
    temperature: float = 1.0
    top_p: float = 1.0
    stop: tuple[str, ...] = ()
    seed: int | None = None
    stream: bool = False
    user: str | None = None
    rag: bool | None = None
    tools: tuple[ToolSpec, ...] = ()
    tool_choice: ToolChoice = field(default_factory=ToolChoice)
    parallel_tool_calls: bool = True
    output_format: OutputFormat = field(default_factory=OutputFormat)
    logprobs: int | None = None
    echo: bool = False
    passthrough: Mapping[str, Any] = field(default_factory=dict)
    id_prefix: str = "chatcmpl-"

    def __post_init__(self) -> None:
        if (self.messages is None) == (self.prompt is None):
            raise ValueError("a CallRequest needs exactly one of messages or prompt")
