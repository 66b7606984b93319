"""Where candidate answers come from: the tenant's model in this process, or any OpenAI-compatible server.

``--model`` names one of:
- ``openai:BASE_URL#MODEL``: an OpenAI-compatible chat endpoint (paramstack's own gateway, vLLM, ...),
  key from ``OPENAI_API_KEY``; a gateway adapter is part of the model id (``paramstack-tiny:legal-lora``);
- a model directory (``save_pretrained``), served by the local engine;
- a model configured in paramstack's settings (its adapters directory is attached).
``--adapter`` (local models only) is an adapter directory or the name of an adapter of that model.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx

from paramstack.engine.protocol import ChatMessage, Engine, GenerationRequest, SamplingParams
from paramstack.errors import InvalidRequest, UpstreamError
from paramstack.train.http_retry import post_with_backoff
from paramstack.train.preference_data import PromptRecord

CANDIDATE_ADAPTER = "rlaif-policy"


class CandidateSource(Protocol):
    name: str

    async def generate(self, record: PromptRecord, *, temperature: float, max_tokens: int, seed: int) -> str: ...

    async def aclose(self) -> None: ...


@dataclass
class EngineCandidates:
    """Candidates from an in-process Engine; concurrent calls are batched by the engine across prompts."""

    engine: Engine
    name: str
    adapter: str | None = None
    owns_engine: bool = True

    async def generate(self, record: PromptRecord, *, temperature: float, max_tokens: int, seed: int) -> str:
        request = GenerationRequest(
            request_id=f"rlaif-{uuid.uuid4().hex[:12]}",
            model=self.name,
            adapter=self.adapter,
            messages=_chat_messages(record),
            sampling=SamplingParams(max_tokens=max_tokens, temperature=temperature, seed=seed),
        )
        return "".join([chunk.text async for chunk in self.engine.generate(request)]).strip()

    async def aclose(self) -> None:
        if self.owns_engine:
            await self.engine.aclose()


class OpenAICandidates:
    """Candidates from ``POST {base_url}/chat/completions``."""

    def __init__(self, base_url: str, model: str, api_key: str | None, timeout_s: float = 120.0) -> None:
        self.name = f"openai:{model}"
        self.model = model
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.AsyncClient(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout_s)

    async def generate(self, record: PromptRecord, *, temperature: float, max_tokens: int, seed: int) -> str:
        body = {
            "model": self.model,
            "messages": record.messages(),
            "temperature": temperature,
            "max_tokens": max_tokens,
            "seed": seed,
        }
        try:
            response = await post_with_backoff(self._client, "/chat/completions", body)
        except httpx.HTTPError as error:
            raise UpstreamError(f"candidate model {self.model}: {type(error).__name__}: {error}") from None
        if response.status_code >= 400:
            raise UpstreamError(f"candidate model {self.model}: HTTP {response.status_code}: {response.text[:200]}")
        try:
            return str(response.json()["choices"][0]["message"]["content"] or "").strip()
        except (ValueError, KeyError, IndexError, TypeError):
            raise UpstreamError(f"candidate model {self.model}: not an OpenAI chat completion") from None

    async def aclose(self) -> None:
        await self._client.aclose()


async def open_candidate_source(
    model: str, adapter: str | None = None, *, settings: Any = None, max_batch_size: int = 16
) -> CandidateSource:
    """Build the source ``--model``/``--adapter`` name (see the module docstring)."""
    import os

    if model.startswith("openai:"):
        base_url, _, remote = model.removeprefix("openai:").rpartition("#")
        if not base_url.startswith(("http://", "https://")) or not remote:
            raise InvalidRequest(f"model {model!r}: expected openai:BASE_URL#MODEL", param="model")
        if adapter:
            raise InvalidRequest(
                "--adapter is for local models; name a gateway adapter in the model id, e.g. "
                "openai:URL#paramstack-tiny:legal-lora",
                param="adapter",
            )
        return OpenAICandidates(base_url, remote, os.environ.get("OPENAI_API_KEY"))
    engine, name, adapters_dir = await asyncio.to_thread(_local_engine, model, settings, max_batch_size)
    engine_adapter = None
    if adapter:
        path = Path(adapter)
        if path.is_dir():
            await engine.load_adapter(CANDIDATE_ADAPTER, str(path))
            engine_adapter = CANDIDATE_ADAPTER
        elif adapter in engine.adapters():
            engine_adapter = adapter
        else:
            await engine.aclose()
            where = f" (looked in {adapters_dir})" if adapters_dir else ""
            raise InvalidRequest(
                f"adapter {adapter!r} is neither a directory nor an adapter of {model}{where}", param="adapter"
            )
    return EngineCandidates(engine, name, engine_adapter)


def _local_engine(model: str, settings: Any, max_batch_size: int) -> tuple[Engine, str, Path | None]:
    from paramstack.engine.local import LocalEngine

    path = Path(model)
    if (path / "config.json").is_file():
        return LocalEngine(path, max_batch_size=max_batch_size), path.name, None
    configured = settings.model(model) if settings is not None else None
    if configured is None or configured.backend != "local":
        raise InvalidRequest(
            f"model {model!r} is not a model directory, a local model in the settings, or openai:BASE_URL#MODEL",
            param="model",
        )
    adapters_dir = configured.adapters_dir if configured.adapters_dir and configured.adapters_dir.is_dir() else None
    engine = LocalEngine(
        configured.path,
        adapters_dir=adapters_dir,
        max_batch_size=max_batch_size,
        name=configured.name,
        device=configured.device,
    )
    return engine, configured.name, adapters_dir


def _chat_messages(record: PromptRecord) -> list[ChatMessage]:
    """``record.messages()`` as the engine's turns: the optional system prompt, then the user's prompt."""
    system = [ChatMessage("system", record.system)] if record.system else []
    return [*system, ChatMessage("user", record.prompt)]
