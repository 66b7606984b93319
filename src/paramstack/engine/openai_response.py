"""An OpenAI-compatible server's answers (streamed events or one whole JSON) read into GenerationChunks.

Streamed tool calls are relayed as they come: one upstream ``delta.tool_calls`` entry becomes one
``ToolCallDelta`` with the same index, id, name and arguments piece (no re-chunking, so what the client and the
signature see is what the model produced). A whole answer's ``message.tool_calls`` become one delta per call
with its whole arguments. Logprobs: chat's ``logprobs.content[]`` and completions' parallel lists
(``tokens``/``token_logprobs``/``top_logprobs``) both become ``TokenLogprob``s; with ``echo`` the prompt's part
of those lists comes back as ``prompt_logprobs`` and its text is cut off the answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from paramstack.engine.protocol import FinishReason, GenerationChunk, GenerationRequest, TokenLogprob, ToolCallDelta

FINISH_REASONS: Mapping[str, FinishReason] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "content_filter": "content_filter",
}


def finish_reason(value: object) -> FinishReason:
    """The upstream's reason in OpenAI's vocabulary (vLLM's ``abort`` and the like read as ``stop``)."""
    return FINISH_REASONS.get(str(value), "stop")


class StreamedAnswer:
    """Reads the events of one streamed answer; ``event`` returns a chunk when the event carried output."""

    def __init__(self, request: GenerationRequest) -> None:
        self._chat = request.messages is not None
        self._logprobs = request.logprobs is not None
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self._finish: str | None = None
        self._stop_sequence: str | None = None

    def event(self, payload: Mapping[str, Any]) -> GenerationChunk | None:
        usage = payload.get("usage")
        if usage:
            self.prompt_tokens = int(usage.get("prompt_tokens") or self.prompt_tokens)
            self.completion_tokens = int(usage.get("completion_tokens") or self.completion_tokens)
        choice = _first_choice(payload)
        if choice is None:
            return None
        self._finish = choice.get("finish_reason") or self._finish
        self._stop_sequence = matched_stop(choice) or self._stop_sequence
        if self._chat:
            delta = choice.get("delta") or {}
            text = delta.get("content") or ""
            calls = tuple(tool_call_delta(c, i) for i, c in enumerate(delta.get("tool_calls") or ()))
            # Chat logprobs are the text's (OpenAI gives none for a call); vLLM also sends the call's tokens'.
            logprobs = chat_logprobs(choice.get("logprobs")) if self._logprobs and (text or not calls) else ()
        else:
            text, calls = choice.get("text") or "", ()
            logprobs = completion_logprobs(choice.get("logprobs")) if self._logprobs else ()
        if not (text or calls or logprobs):
            return None
        if not usage:
            self.completion_tokens += max(1, len(logprobs))  # a running estimate; the usage event is exact
        return GenerationChunk(
            text=text,
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            tool_calls=calls,
            logprobs=logprobs,
        )

    def last(self) -> GenerationChunk:
        return GenerationChunk(
            text="",
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            finish_reason=finish_reason(self._finish),
            stop_sequence=self._stop_sequence if finish_reason(self._finish) == "stop" else None,
        )


def whole_answer(payload: Mapping[str, Any], request: GenerationRequest) -> GenerationChunk:
    """A non-streamed answer as one chunk: text, tool calls, logprobs, exact usage and the finish reason."""
    choice = _first_choice(payload) or {}
    usage = payload.get("usage") or {}
    prompt_tokens, completion_tokens = int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
    reason = finish_reason(choice.get("finish_reason"))
    stop_sequence = matched_stop(choice) if reason == "stop" else None
    if request.messages is not None:
        message = choice.get("message") or {}
        calls = tuple(
            ToolCallDelta(
                index=i,
                id=c.get("id"),
                name=(c.get("function") or {}).get("name"),
                arguments=(c.get("function") or {}).get("arguments") or "",
            )
            for i, c in enumerate(message.get("tool_calls") or ())
        )
        text = message.get("content") or ""
        logprobs = chat_logprobs(choice.get("logprobs")) if request.logprobs is not None and text else ()
        return GenerationChunk(
            text=text,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            finish_reason=reason,
            tool_calls=calls,
            logprobs=logprobs,
            stop_sequence=stop_sequence,
        )
    text = choice.get("text") or ""
    logprobs = completion_logprobs(choice.get("logprobs"))
    prompt: tuple[TokenLogprob, ...] = ()
    if request.echo:
        split = _echo_split(request.prompt, prompt_tokens if usage else None, logprobs)
        prompt, logprobs = logprobs[:split], logprobs[split:]
        text = _answer_text(text, request.prompt, logprobs)
    if request.logprobs is None:  # asked for to find the prompt's end (openai_request.py); the echo is its tokens
        logprobs = ()
    return GenerationChunk(
        text=text,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        finish_reason=reason,
        logprobs=logprobs,
        prompt_logprobs=prompt,
        stop_sequence=stop_sequence,
    )


def matched_stop(choice: Mapping[str, Any]) -> str | None:
    """vLLM's ``stop_reason``: the stop string that ended the text (an int is a stop token: not a string)."""
    value = choice.get("stop_reason")
    return value if isinstance(value, str) and value else None


def tool_call_delta(raw: Mapping[str, Any], position: int) -> ToolCallDelta:
    function = raw.get("function") or {}
    return ToolCallDelta(
        index=int(raw.get("index", position)),
        id=raw.get("id"),
        name=function.get("name"),
        arguments=function.get("arguments") or "",
    )


def chat_logprobs(raw: Mapping[str, Any] | None) -> tuple[TokenLogprob, ...]:
    """``{"content": [{"token", "logprob", "top_logprobs": [{"token", "logprob"}]}]}``"""
    entries = (raw or {}).get("content") or ()
    return tuple(
        TokenLogprob(
            token=e.get("token", ""),
            logprob=e.get("logprob"),
            top=tuple((t.get("token", ""), float(t["logprob"])) for t in e.get("top_logprobs") or ()),
        )
        for e in entries
    )


def completion_logprobs(raw: Mapping[str, Any] | None) -> tuple[TokenLogprob, ...]:
    """``{"tokens": [...], "token_logprobs": [...], "top_logprobs": [{token: logprob} | null], ...}``"""
    if not raw:
        return ()
    tokens: Sequence[str] = raw.get("tokens") or ()
    values: Sequence[float | None] = raw.get("token_logprobs") or ()
    tops: Sequence[Mapping[str, float] | None] = raw.get("top_logprobs") or ()
    out = []
    for i, token in enumerate(tokens):
        top = tops[i] if i < len(tops) else None
        ranked = sorted((top or {}).items(), key=lambda item: -item[1])  # best first
        out.append(
            TokenLogprob(
                token=token, logprob=values[i] if i < len(values) else None, top=tuple((t, float(v)) for t, v in ranked)
            )
        )
    return tuple(out)


def _first_choice(payload: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for choice in payload.get("choices") or ():
        if isinstance(choice, Mapping) and int(choice.get("index", 0)) == 0:
            return choice
    return None


def _echo_split(
    prompt: str | tuple[int, ...] | None, prompt_tokens: int | None, logprobs: Sequence[TokenLogprob]
) -> int:
    """How many of the echoed tokens are the prompt's: the exact count where the upstream says it (usage, or a
    prompt of token ids), else as many tokens as it takes to spell the prompt."""
    if isinstance(prompt, tuple):
        return len(prompt)
    if prompt_tokens is not None:
        return prompt_tokens
    spelled = 0
    for count, entry in enumerate(logprobs, start=1):
        spelled += len(entry.token)
        if spelled >= len(prompt or ""):
            return count
    return len(logprobs)


def _answer_text(echoed: str, prompt: str | tuple[int, ...] | None, answer: Sequence[TokenLogprob]) -> str:
    if isinstance(prompt, str) and echoed.startswith(prompt):
        return echoed[len(prompt) :]
    return "".join(entry.token for entry in answer)
