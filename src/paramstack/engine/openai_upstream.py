"""An OpenAI-compatible server as a backend: vLLM, another paramstack gateway, any server speaking the API.

Adapters map to the upstream's model names the way vLLM serves LoRA modules: the adapter's name is the
model id (``--lora-modules name=path``); no adapter means ``upstream_model`` (or the model's own name).

Runtime LoRA: an adapter version the upstream does not serve yet (not in its ``/v1/models``) but whose path
was registered (``register_adapter``) is loaded with ``POST /v1/load_lora_adapter`` before the first request
is sent to it, once, even under concurrent first requests. vLLM exposes that endpoint only when started with
``VLLM_ALLOW_RUNTIME_LORA_UPDATING=True``; without it the error says so.

The wire format is in ``openai_request.py`` (the body sent), ``openai_response.py`` (answers read into
chunks) and ``openai_errors.py`` (refusals as typed errors: a 4xx stays the client's 4xx).

Retries: see ``retry.py`` (no output yet and the upstream most likely did no work).

HTTP: aiohttp, one keep-alive connection pool per engine. (httpx costs ~10x the CPU per streamed call at
32 concurrent requests: its pool polls every idle connection's socket on each request; see bench/gateway.py.)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Coroutine, Mapping
from typing import Any

import aiohttp
import orjson

from paramstack.engine.adapter_paths import upstream_adapter_path
from paramstack.engine.openai_errors import error_from_event, error_from_response
from paramstack.engine.openai_request import request_body
from paramstack.engine.openai_response import StreamedAnswer, whole_answer
from paramstack.engine.protocol import ChatMessage, GenerationChunk, GenerationRequest, ToolSpec
from paramstack.engine.retry import RetryPolicy, retryable_error, retryable_status
from paramstack.errors import UpstreamError
from paramstack.observability.tracing import propagation_headers
from paramstack.settings import ModelSettings

# Without the upstream's tokenizer we reserve an upper bound: byte-fallback tokenizers never use more
# than one token per UTF-8 byte, plus the chat template's few tokens per message (and per tool or call).
TEMPLATE_TOKENS_PER_MESSAGE = 8
# An image, audio clip or file costs the model tokens its bytes do not tell (a URL is short, a base64 image
# long): a fixed allowance per part, above what common vision models use for one image. Usage settles it.
TOKENS_PER_MEDIA_PART = 2048
# How often a missing adapter may trigger a fresh look at the upstream's /v1/models.
SERVED_REFRESH_S = 5.0
# Idle pooled connections are dropped before uvicorn (vLLM's server) closes them after its 5 s keep-alive.
KEEPALIVE_S = 4.0

Sleep = Callable[[float], Coroutine[Any, Any, None]]


class OpenAIUpstreamEngine:
    def __init__(
        self, settings: ModelSettings, *, retry: RetryPolicy | None = None, sleep: Sleep = asyncio.sleep
    ) -> None:
        assert settings.base_url
        self._settings = settings
        self._base_url = settings.base_url.rstrip("/")
        self._headers = {"authorization": f"Bearer {settings.api_key.get_secret_value()}"} if settings.api_key else {}
        self._timeout = aiohttp.ClientTimeout(total=None, sock_connect=settings.timeout_s, sock_read=settings.timeout_s)
        self._http: aiohttp.ClientSession | None = None  # made on first use, inside the event loop that uses it
        self._http_loop: asyncio.AbstractEventLoop | None = None
        self._retry = retry or RetryPolicy(retries=settings.retries, backoff_s=settings.retry_backoff_s)
        self._sleep = sleep
        self._adapters: dict[str, str] = {}  # loaded by us: name -> path
        self._known_paths: dict[str, str] = {}  # registered, loaded on first use
        self._served: set[str] = set()  # what the upstream lists in /v1/models
        self._served_checked_at = float("-inf")
        self._locks: dict[str, asyncio.Lock] = {}

    @classmethod
    def from_settings(cls, settings: ModelSettings) -> OpenAIUpstreamEngine:
        return cls(settings)

    def adapters(self) -> list[str]:
        return sorted(set(self._adapters) | (self._served - {self._base_name}))

    def register_adapter(self, name: str, path: str) -> None:
        """Remember where an adapter version lives (as the upstream sees it); it is loaded on first use."""
        self._known_paths[name] = path

    async def load_adapter(self, name: str, path: str) -> None:
        status, text = await self._post_admin("/v1/load_lora_adapter", {"lora_name": name, "lora_path": path})
        if status in (404, 405):
            raise UpstreamError(
                f"upstream {self._settings.base_url} cannot load adapter {name!r} at run time: "
                "start vLLM with VLLM_ALLOW_RUNTIME_LORA_UPDATING=True, or list it in --lora-modules"
            )
        # vLLM answers 400 "already been loaded" to a repeat: the goal (adapter served) is reached.
        if status >= 400 and "already" not in text.lower():
            raise UpstreamError(f"upstream refused to load adapter {name!r}: {text[:200]}")
        self._adapters[name] = path
        self._known_paths[name] = path
        self._served.add(name)

    async def unload_adapter(self, name: str) -> None:
        status, text = await self._post_admin("/v1/unload_lora_adapter", {"lora_name": name})
        if status >= 400:
            raise UpstreamError(f"upstream refused to unload adapter {name!r}: {text[:200]}")
        self._adapters.pop(name, None)
        self._served.discard(name)

    async def ensure_adapter(self, name: str) -> None:
        """Make sure the upstream serves ``name`` before traffic goes to it (load it if we know its path)."""
        if name in self._served or name in self._adapters:
            return
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:  # concurrent first requests: one load, the others wait for it
            if name in self._served:
                return
            await self._refresh_served()
            if name in self._served:
                return
            path = self._known_paths.get(name)
            if path is not None and self._settings.runtime_lora:
                await self.load_adapter(name, upstream_adapter_path(self._settings, path))
            # Unknown path: send the request anyway; the upstream's own "model not found" is the answer.

    def capabilities(self) -> Mapping[str, bool]:
        return self._settings.capabilities.model_dump()

    async def count_prompt_tokens(self, request: GenerationRequest) -> int:
        """An upper bound for the quota reservation: every byte the template will render, tools included."""
        if request.messages is None:
            prompt = request.prompt or ""
            return len(prompt) if isinstance(prompt, tuple) else len(prompt.encode("utf-8")) + 1
        tools = sum(len(_json_bytes(_tool_definition(t))) + TEMPLATE_TOKENS_PER_MESSAGE for t in request.tools)
        return tools + sum(_message_tokens(m) for m in request.messages)

    async def generate(self, request: GenerationRequest) -> AsyncGenerator[GenerationChunk, None]:
        if request.adapter and request.adapter in self._known_paths:
            await self.ensure_adapter(request.adapter)
        path, body = request_body(request, request.adapter or self._base_name)
        payload = _json_bytes(body)  # once, for every attempt (aiohttp's json= runs the stdlib encoder each time)
        for attempt in range(self._retry.attempts):
            last = attempt == self._retry.attempts - 1
            produced = False
            try:
                async with self._session().post(
                    self._base_url + path,
                    data=payload,
                    headers={"content-type": "application/json", **propagation_headers()},
                ) as response:
                    if response.status >= 400:
                        text = await response.text(errors="replace")
                        if retryable_status(response.status) and not last:
                            await self._sleep(self._retry.delay(attempt, response.headers.get("retry-after")))
                            continue
                        raise error_from_response(response.status, text, response.headers)
                    if response.content_type == "text/event-stream":  # asked for, or sent regardless
                        answer = _parse_stream(response.content, request)
                    else:
                        answer = _parse_whole(response, request)
                    async for chunk in answer:
                        produced = True
                        yield chunk
                    return
            except (aiohttp.ClientError, TimeoutError) as error:
                if not produced and not last and retryable_error(error):
                    await self._sleep(self._retry.delay(attempt))
                    continue
                raise UpstreamError(f"upstream {self._settings.base_url} failed: {_describe(error)}") from None

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    def _session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._http is None or self._http.closed or self._http_loop is not loop:  # a new loop (tests): new pool
            self._http_loop = loop
            connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=KEEPALIVE_S)
            self._http = aiohttp.ClientSession(headers=self._headers, timeout=self._timeout, connector=connector)
        return self._http

    @property
    def _base_name(self) -> str:
        return self._settings.upstream_model or self._settings.name

    async def _post_admin(self, path: str, body: dict[str, str]) -> tuple[int, str]:
        try:
            async with self._session().post(self._base_url + path, json=body) as response:
                return response.status, await response.text(errors="replace")
        except (aiohttp.ClientError, TimeoutError) as error:
            raise UpstreamError(f"upstream {self._settings.base_url} failed: {_describe(error)}") from None

    async def _refresh_served(self) -> None:
        now = time.monotonic()
        if now - self._served_checked_at < SERVED_REFRESH_S:
            return
        self._served_checked_at = now
        try:
            async with self._session().get(self._base_url + "/v1/models") as response:
                if response.status == 200:
                    listed = (await response.json(content_type=None)).get("data", [])
                    self._served |= {m["id"] for m in listed if isinstance(m, dict)}
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, AttributeError):
            pass  # an upstream without a usable /v1/models: rely on loading or on the request itself


async def _sse_lines(content: aiohttp.StreamReader) -> AsyncIterator[str]:
    """The body's lines, however long (aiohttp's own line iterator refuses lines over its buffer size)."""
    pending = b""
    async for data in content.iter_any():
        pending += data
        *lines, pending = pending.split(b"\n")
        for line in lines:
            yield line.decode("utf-8", errors="replace")
    if pending:
        yield pending.decode("utf-8", errors="replace")


async def _parse_stream(content: aiohttp.StreamReader, request: GenerationRequest) -> AsyncIterator[GenerationChunk]:
    answer = StreamedAnswer(request)
    async for line in _sse_lines(content):
        if not line.startswith("data:"):
            continue
        data = line.removeprefix("data:").strip()
        if data == "[DONE]":
            continue  # read on to the end of the body, so the connection goes back to the pool
        try:
            payload = orjson.loads(data)
        except ValueError:
            raise UpstreamError(f"upstream sent an event that is not JSON: {data[:100]!r}") from None
        if not isinstance(payload, dict):
            raise UpstreamError(f"upstream sent an event that is not an object: {data[:100]!r}")
        if "error" in payload:
            raise error_from_event(payload["error"])
        try:
            chunk = answer.event(payload)
        except (ValueError, TypeError, AttributeError, KeyError):
            raise UpstreamError(f"upstream sent an event that is not an OpenAI chunk: {data[:100]!r}") from None
        if chunk is not None:
            yield chunk
    yield answer.last()


async def _parse_whole(response: aiohttp.ClientResponse, request: GenerationRequest) -> AsyncIterator[GenerationChunk]:
    """A non-streamed answer: one chunk with the whole text and tool calls, the exact usage and the finish reason."""
    try:
        payload = orjson.loads(await response.read())
        if "error" in payload:
            raise error_from_event(payload["error"])
        chunk = whole_answer(payload, request)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError):
        raise UpstreamError("upstream sent a response that is not an OpenAI completion") from None
    yield chunk


def _tool_definition(tool: ToolSpec) -> dict[str, Any]:
    return {"name": tool.name, "description": tool.description, "parameters": dict(tool.parameters)}


def _json_bytes(value: Any) -> bytes:
    return orjson.dumps(value)  # compact UTF-8, as json.dumps(ensure_ascii=False) gives, 5-10x faster


def _message_tokens(message: ChatMessage) -> int:
    media = len(message.media)
    text = message.content.encode("utf-8")
    calls = sum(len(_json_bytes([c.id, c.name, c.arguments])) + TEMPLATE_TOKENS_PER_MESSAGE for c in message.tool_calls)
    extra = len((message.tool_call_id or "").encode("utf-8")) + len((message.name or "").encode("utf-8"))
    return len(text) + calls + extra + media * TOKENS_PER_MEDIA_PART + TEMPLATE_TOKENS_PER_MESSAGE


def _describe(error: Exception) -> str:
    if isinstance(error, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
        return f"could not connect ({type(error).__name__})"
    if isinstance(error, TimeoutError):
        return f"no answer in time ({type(error).__name__})"
    return type(error).__name__
