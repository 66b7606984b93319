"""The pipeline's events: what ``Pipeline.execute`` yields to a protocol front-end's encoder.

Text the output guard has judged (with its logprobs), an echoed prompt, pieces of tool calls
(``engine.protocol.ToolCallDelta``, their arguments judged too), and last ``Finished``.
"""

from __future__ import annotations

from dataclasses import dataclass

from paramstack.calls import UsageCounts
from paramstack.engine.protocol import FinishReason, TokenLogprob, ToolCall, ToolCallDelta
from paramstack.gateway.steps import Attestation
from paramstack.guard.result import Finding


@dataclass(frozen=True)
class TextDelta:
    """Text the client may be sent now (the output guard has judged it), with its tokens' logprobs when asked."""

    text: str
    logprobs: tuple[TokenLogprob, ...] = ()


@dataclass(frozen=True)
class EchoedPrompt:
    """Text completions with ``echo``: the prompt as the model read it, first, with its logprobs."""

    text: str
    logprobs: tuple[TokenLogprob, ...] = ()


@dataclass(frozen=True)
class Finished:
    """The last event. ``tool_calls``: the complete calls as delivered (what was signed). ``disclaimer``: text a
    policy appends, kept out of JSON output and tool calls (the front-end puts it in a field of its own).
    ``filtered``: with ``finish_reason == "content_filter"``, what the output guard found (codes, no text).
    ``stop_sequence``: the request's stop string that ended the answer, if one did."""

    finish_reason: FinishReason
    usage: UsageCounts
    attestation: Attestation | None
    tool_calls: tuple[ToolCall, ...] = ()
    disclaimer: str | None = None
    filtered: tuple[Finding, ...] = ()
    stop_sequence: str | None = None


# What ``Pipeline.execute`` yields. A ``ToolCallDelta`` (engine.protocol) is a piece of a tool call whose
# arguments the output guard has judged.
PipelineEvent = TextDelta | EchoedPrompt | ToolCallDelta | Finished
