"""Anthropic's Messages API as a backend (``backend: anthropic``): primary, fallback or hybrid share.

Any request the gateway serves (chat completions, Responses, Messages) arrives as the one internal
request and goes out as a Messages call (``anthropic_wire.py``), tools, tool results, images and
streaming included. The key is the model's ``api_key`` or ``$ANTHROPIC_API_KEY``. Anthropic serves no
LoRA adapters: a tenant's adapter is not sent, the base ``upstream_model`` answers (as a fallback does).

Retries: like the OpenAI-compatible upstream, only failures with no output yet (connection never made,
429, 5xx, Anthropic's 529 overloaded), with the server's ``retry-after`` when it sends one.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Coroutine, Mapping
from typing import Any

import aiohttp

from paramstack.engine.anthropic_errors import RETRYABLE_STATUS, upstream_error
from paramstack.engine.anthropic_wire import StreamState, messages_body, whole_message
from paramstack.engine.protocol import GenerationChunk, GenerationRequest
from paramstack.engine.retry import RetryPolicy, retryable_error
from paramstack.engine.sse import describe, sse_json_events
from paramstack.errors import ConfigurationError, UpstreamError
from paramstack.observability.tracing import propagation_headers
from paramstack.settings import ModelSettings

DEFAULT_BASE_URL = "https://api.anthropic.com"
ANTHROPIC_VERSION = "2023-06-01"
TEMPLATE_TOKENS_PER_MESSAGE = 8  # an upper bound without Anthropic's tokenizer, as for the OpenAI upstream
KEEPALIVE_S = 4.0

Sleep = Callable[[float], Coroutine[Any, Any, None]]


class AnthropicUpstreamEngine:
    def __init__(
        self,
        settings: ModelSettings,
        *,
        environ: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        env = os.environ if environ is None else environ
        key = settings.api_key.get_secret_value() if settings.api_key else env.get("ANTHROPIC_API_KEY", "")
        if not key:
            raise ConfigurationError(
                f"model {settings.name!r}: backend 'anthropic' needs api_key or $ANTHROPIC_API_KEY"
            )
        self._settings = settings
        self._url = (settings.base_url or DEFAULT_BASE_URL).rstrip("/") + "/v1/messages"
        self._headers = {"x-api-key": key, "anthropic-version": ANTHROPIC_VERSION}
        self._model = settings.upstream_model or settings.name
        self._timeout = aiohttp.ClientTimeout(total=None, sock_connect=settings.timeout_s, sock_read=settings.timeout_s)
        self._retry = retry or RetryPolicy(retries=settings.retries, backoff_s=settings.retry_backoff_s)
        self._sleep = sleep
        self._http: aiohttp.ClientSession | None = None
        self._http_loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def from_settings(cls, settings: ModelSettings) -> AnthropicUpstreamEngine:
        return cls(settings)

    def capabilities(self) -> Mapping[str, bool]:
        return {"tools": True, "structured_outputs": True, "vision": True}

    def adapters(self) -> list[str]:
        return []

    async def load_adapter(self, name: str, path: str) -> None:
        raise UpstreamError(f"the anthropic backend cannot load adapter {name!r}: it serves no LoRA adapters")

    async def unload_adapter(self, name: str) -> None:
        return None

    async def count_prompt_tokens(self, request: GenerationRequest) -> int:
        if request.messages is None:
            return len(str(request.prompt or "").encode("utf-8")) + TEMPLATE_TOKENS_PER_MESSAGE
        turns = sum(
            len(m.content.encode("utf-8"))
            + sum(len(c.arguments) + len(c.name) for c in m.tool_calls)
            + TEMPLATE_TOKENS_PER_MESSAGE
            for m in request.messages
        )
        tools = sum(len(json.dumps(dict(t.parameters))) + len(t.name) + len(t.description or "") for t in request.tools)
        return turns + tools

    async def generate(self, request: GenerationRequest) -> AsyncGenerator[GenerationChunk, None]:
        body = messages_body(request, self._model)
        for attempt in range(self._retry.attempts):
            last = attempt == self._retry.attempts - 1
            produced = False
            try:
                async with self._session().post(self._url, json=body, headers=propagation_headers()) as response:
                    if response.status >= 400:
                        text = await response.text(errors="replace")
                        retry_after = response.headers.get("retry-after")
                        if response.status in RETRYABLE_STATUS and not last:
                            await self._sleep(self._retry.delay(attempt, retry_after))
                            continue
                        raise upstream_error(response.status, text, retry_after)
                    if response.content_type == "text/event-stream":
                        answer = self._read_stream(response)
                    else:
                        answer = self._read_whole(response)
                    async for chunk in answer:
                        produced = True
                        yield chunk
                    return
            except (aiohttp.ClientError, TimeoutError) as error:
                if not produced and not last and retryable_error(error):
                    await self._sleep(self._retry.delay(attempt))
                    continue
                raise UpstreamError(f"the Anthropic upstream failed: {describe(error)}") from None

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    def _session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._http is None or self._http.closed or self._http_loop is not loop:
            self._http_loop = loop
            connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=KEEPALIVE_S)
            self._http = aiohttp.ClientSession(headers=self._headers, timeout=self._timeout, connector=connector)
        return self._http

    @staticmethod
    async def _read_stream(response: aiohttp.ClientResponse) -> AsyncIterator[GenerationChunk]:
        state = StreamState()
        async for event in sse_json_events(response.content):
            chunk = state.read(event)
            if chunk is not None:
                yield chunk
        yield state.final()

    @staticmethod
    async def _read_whole(response: aiohttp.ClientResponse) -> AsyncIterator[GenerationChunk]:
        try:
            payload = json.loads(await response.read())
        except ValueError:
            raise UpstreamError("upstream sent a response that is not JSON") from None
        yield whole_message(payload)
