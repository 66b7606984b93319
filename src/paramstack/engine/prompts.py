"""Turning a request into prompt token ids, and refusing requests the model cannot take.

The same function counts tokens for the gateway (quota reservation) and builds the model input, so the
count is exact. No torch here: this runs on the event loop's thread.
"""

from __future__ import annotations

import threading
from typing import Any

from paramstack.engine.protocol import GenerationRequest, SamplingParams
from paramstack.errors import ContextLengthExceeded, InvalidRequest


class PromptEncoder:
    """Tokenizes requests with the model's own tokenizer and chat template."""

    def __init__(self, tokenizer: Any, lock: threading.Lock, max_positions: int | None, model_name: str) -> None:
        self._tokenizer = tokenizer
        # Fast tokenizers are Rust objects that refuse concurrent use from two threads ("Already
        # borrowed"); the worker thread decodes while the event loop encodes.
        self._lock = lock
        self.max_positions = max_positions
        self._model_name = model_name

    def encode(self, request: GenerationRequest) -> list[int]:
        """Prompt token ids, chat template applied for ``messages``."""
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

    def _encode_chat(self, request: GenerationRequest) -> list[int]:
        if not getattr(self._tokenizer, "chat_template", None):
            raise InvalidRequest(
                f"model {self._model_name!r} has no chat template, so it cannot take chat messages; "
                "send a plain prompt (the completions endpoint) instead",
                param="messages",
            )
        messages = [{"role": m.role, "content": m.content} for m in request.messages or ()]
        text = self._tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        # The template writes the BOS token itself; adding special tokens again would double it.
        return list(self._tokenizer(text, add_special_tokens=False)["input_ids"])


def check_sampling(sampling: SamplingParams) -> None:
    if sampling.max_tokens < 1:
        raise InvalidRequest("max_tokens must be at least 1", param="max_tokens")
    if sampling.temperature < 0:
        raise InvalidRequest("temperature must be 0 or more", param="temperature")
    if not 0 < sampling.top_p <= 1:
        raise InvalidRequest("top_p must be in (0, 1]", param="top_p")
