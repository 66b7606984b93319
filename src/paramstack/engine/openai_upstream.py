"""An OpenAI-compatible server as a backend: vLLM, another paramstack gateway, any server speaking the API.

Adapters map to the upstream's model names the way vLLM serves LoRA modules: the adapter's name is the
model id (``--lora-modules name=path``); no adapter means ``upstream_model`` (or the model's own name).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from paramstack.engine.protocol import GenerationChunk, GenerationRequest
from paramstack.errors import ContextLengthExceeded, InvalidRequest, UpstreamError
from paramstack.settings import ModelSettings

# Without the upstream's tokenizer we reserve an upper bound: byte-fallback tokenizers never use more
# than one token per UTF-8 byte, plus the chat template's few tokens per message.
TEMPLATE_TOKENS_PER_MESSAGE = 8


class OpenAIUpstreamEngine:
    def __init__(self, settings: ModelSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        assert settings.base_url
        headers = {"authorization": f"Bearer {settings.api_key.get_secret_value()}"} if settings.api_key else {}
        self._settings = settings
        self._client = httpx.AsyncClient(base_url=settings.base_url.rstrip("/"), headers=headers,
                                         timeout=settings.timeout_s, transport=transport)
        self._adapters: dict[str, str] = {}

    @classmethod
    def from_settings(cls, settings: ModelSettings) -> OpenAIUpstreamEngine:
        return cls(settings)

    def adapters(self) -> list[str]:
        return list(self._adapters)

    async def load_adapter(self, name: str, path: str) -> None:
        response = await self._client.post("/v1/load_lora_adapter", json={"lora_name": name, "lora_path": path})
        if response.status_code >= 400:
            raise UpstreamError(f"upstream refused to load adapter {name!r}: {response.text[:200]}")
        self._adapters[name] = path

    async def unload_adapter(self, name: str) -> None:
        response = await self._client.post("/v1/unload_lora_adapter", json={"lora_name": name})
        if response.status_code >= 400:
            raise UpstreamError(f"upstream refused to unload adapter {name!r}: {response.text[:200]}")
        self._adapters.pop(name, None)

    async def count_prompt_tokens(self, request: GenerationRequest) -> int:
        if request.messages is not None:
            return sum(len(m.content.encode("utf-8")) + TEMPLATE_TOKENS_PER_MESSAGE for m in request.messages)
        return len((request.prompt or "").encode("utf-8")) + 1

    async def generate(self, request: GenerationRequest) -> AsyncIterator[GenerationChunk]:
        path, body = self._request_body(request)
        try:
            async with self._client.stream("POST", path, json=body) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise _upstream_error(response)
                async for chunk in _parse_stream(response, chat=request.messages is not None):
                    yield chunk
        except httpx.HTTPError as error:
            raise UpstreamError(f"upstream {self._settings.base_url} failed: {type(error).__name__}") from None

    async def aclose(self) -> None:
        await self._client.aclose()

    def _request_body(self, request: GenerationRequest) -> tuple[str, dict[str, Any]]:
        sampling = request.sampling
        body: dict[str, Any] = {
            "model": request.adapter or self._settings.upstream_model or self._settings.name,
            "max_tokens": sampling.max_tokens, "temperature": sampling.temperature, "top_p": sampling.top_p,
            "stream": True, "stream_options": {"include_usage": True},
        }
        if sampling.stop:
            body["stop"] = list(sampling.stop)
        if sampling.seed is not None:
            body["seed"] = sampling.seed
        if request.messages is not None:
            body["messages"] = [{"role": m.role, "content": m.content} for m in request.messages]
            return "/v1/chat/completions", body
        body["prompt"] = request.prompt
        return "/v1/completions", body


async def _parse_stream(response: httpx.Response, *, chat: bool) -> AsyncIterator[GenerationChunk]:
    prompt_tokens = completion_tokens = 0
    finish_reason: str | None = None
    async for line in response.aiter_lines():
        if not line.startswith("data:"):
            continue
        data = line.removeprefix("data:").strip()
        if data == "[DONE]":
            break
        payload = json.loads(data)
        if "error" in payload:
            raise UpstreamError(f"upstream error: {payload['error'].get('message', payload['error'])}")
        if payload.get("usage"):
            prompt_tokens = payload["usage"].get("prompt_tokens", prompt_tokens)
            completion_tokens = payload["usage"].get("completion_tokens", completion_tokens)
        for choice in payload.get("choices") or []:
            text = (choice.get("delta") or {}).get("content") if chat else choice.get("text")
            finish_reason = choice.get("finish_reason") or finish_reason
            if text:
                completion_tokens += 1  # a running estimate; the usage chunk gives the exact count
                yield GenerationChunk(text=text, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
    reason = "length" if finish_reason == "length" else "stop"
    yield GenerationChunk(text="", prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
                          finish_reason=reason)  # type: ignore[arg-type]


def _upstream_error(response: httpx.Response) -> Exception:
    try:
        error = response.json().get("error", {})
        message, code = error.get("message", response.text[:200]), error.get("code")
    except (ValueError, AttributeError):
        message, code = response.text[:200], None
    if response.status_code == 400 and code == "context_length_exceeded":
        return ContextLengthExceeded(message, param="messages")
    if response.status_code == 400:
        return InvalidRequest(f"upstream rejected the request: {message}")
    return UpstreamError(f"upstream answered {response.status_code}: {message}")
