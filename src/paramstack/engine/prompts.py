"""Turning a request into prompt token ids, and refusing requests the model cannot take.

The same function counts tokens for the gateway (quota reservation) and builds the model input, so the
count is exact: the tools section and the tool turns are part of the rendered template, hence of the
count. No torch here: this runs on the event loop's thread.

Chat rendering uses paramstack's chat template from the code (``chat_format.CHAT_TEMPLATE``) whenever the
tokenizer carries paramstack's format, old or new: the shipped tiny model was saved with the template
from before tools existed, which renders tool-free conversations identically. A foreign model (e.g. a
Mistral-7B-Instruct directory) keeps its own saved template.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from paramstack import chat_format
from paramstack.engine.protocol import ChatMessage, GenerationRequest, SamplingParams, ToolSpec
from paramstack.errors import ContextLengthExceeded, InvalidRequest

# How an OpenAI client names each kind of part, for error messages that say what the caller sent.
_PART_NAMES = {"image": "image_url", "audio": "input_audio", "file": "file"}
_PART_WORDS = {"image": "image", "audio": "audio", "file": "file"}


class PromptEncoder:
    """Tokenizes requests with the model's own tokenizer and chat template."""

    def __init__(
        self,
        tokenizer: Any,
        lock: threading.Lock,
        max_positions: int | None,
        model_name: str,
        vocab_size: int | None = None,
    ) -> None:
        self._tokenizer = tokenizer
        # Fast tokenizers are Rust objects that refuse concurrent use from two threads ("Already
        # borrowed"); the worker thread decodes while the event loop encodes.
        self._lock = lock
        self.max_positions = max_positions
        self._model_name = model_name
        self._vocab_size = vocab_size or len(tokenizer)
        saved = getattr(tokenizer, "chat_template", None)
        ours = saved in (chat_format.LEGACY_CHAT_TEMPLATE, chat_format.CHAT_TEMPLATE)
        self._template: str | None = chat_format.CHAT_TEMPLATE if ours else saved

    def encode(self, request: GenerationRequest) -> list[int]:
        """Prompt token ids, chat template applied for ``messages``."""
        if isinstance(request.prompt, tuple):
            ids = self._checked_ids(request.prompt)
        else:
            with self._lock:
                if request.messages is not None:
                    ids = self._encode_chat(request)
                else:
                    ids = list(self._tokenizer(request.prompt or "", add_special_tokens=True)["input_ids"])
        if not ids:
            bos = self._tokenizer.bos_token_id
            if bos is None:
                raise InvalidRequest("the prompt is empty", param="prompt")
            ids = [bos]  # an empty completion prompt means "start from the beginning of a text"
        return ids

    def check(self, request: GenerationRequest, prompt_tokens: int) -> None:
        """Reject bad sampling settings and prompts that do not fit the context window."""
        check_sampling(request.sampling)
        limit = self.max_positions
        wanted = prompt_tokens + request.sampling.max_tokens
        if limit is not None and wanted > limit:
            raise ContextLengthExceeded(
                f"This model's maximum context length is {limit} tokens. However, you requested "
                f"{wanted} tokens ({prompt_tokens} in the prompt, {request.sampling.max_tokens} in the "
                "completion). Please reduce the length of the prompt or of max_tokens.",
                param="messages" if request.messages is not None else "prompt",
            )

    def check_media(self, messages: Sequence[ChatMessage]) -> None:
        """This engine's models read text only: name the first part they cannot take."""
        for i, message in enumerate(messages):
            for j, part in enumerate(message.parts):
                if part.kind == "text":
                    continue
                sent = str((part.source or {}).get("type") or _PART_NAMES.get(part.kind, part.kind))
                raise InvalidRequest(
                    f"model {self._model_name!r} cannot read {_PART_WORDS.get(part.kind, part.kind)} content "
                    f"(messages[{i}].content[{j}] is an {sent} part); it reads text only: send the content "
                    "as text, or use a model that supports it",
                    param="messages",
                )

    def _checked_ids(self, ids: tuple[int, ...]) -> list[int]:
        for i, token in enumerate(ids):
            if not isinstance(token, int) or isinstance(token, bool) or not 0 <= token < self._vocab_size:
                raise InvalidRequest(
                    f"prompt[{i}] = {token!r} is not a token id of model {self._model_name!r} "
                    f"(its vocabulary has ids 0 to {self._vocab_size - 1})",
                    param="prompt",
                )
        return list(ids)

    def _encode_chat(self, request: GenerationRequest) -> list[int]:
        if not self._template:
            raise InvalidRequest(
                f"model {self._model_name!r} has no chat template, so it cannot take chat messages; "
                "send a plain prompt (the completions endpoint) instead",
                param="messages",
            )
        messages = [_template_message(m) for m in request.messages or ()]
        tools = [_template_tool(t) for t in request.tools] or None
        text = self._tokenizer.apply_chat_template(
            messages, tools=tools, chat_template=self._template, add_generation_prompt=True, tokenize=False
        )
        # The template writes the BOS token itself; adding special tokens again would double it.
        return list(self._tokenizer(text, add_special_tokens=False)["input_ids"])


def _template_message(message: ChatMessage) -> dict[str, Any]:
    """A turn as chat templates (transformers, vLLM) expect it: OpenAI's shape."""
    turn: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        turn["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in message.tool_calls
        ]
    if message.tool_call_id is not None:
        turn["tool_call_id"] = message.tool_call_id
    if message.name is not None:
        turn["name"] = message.name
    return turn


def _template_tool(tool: ToolSpec) -> dict[str, Any]:
    function: dict[str, Any] = {"name": tool.name}
    if tool.description:
        function["description"] = tool.description
    function["parameters"] = dict(tool.parameters)
    return {"type": "function", "function": function}


def check_sampling(sampling: SamplingParams) -> None:
    if sampling.max_tokens < 1:
        raise InvalidRequest("max_tokens must be at least 1", param="max_tokens")
    if sampling.temperature < 0:
        raise InvalidRequest("temperature must be 0 or more", param="temperature")
    if not 0 < sampling.top_p <= 1:
        raise InvalidRequest("top_p must be in (0, 1]", param="top_p")
