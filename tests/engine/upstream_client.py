"""Driving the OpenAI-compatible upstream engine against the vLLM stand-in, over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tests.deploy.servers import ThreadedServer
from tests.vllm_standin import VllmStandin

from paramstack.engine.openai_upstream import OpenAIUpstreamEngine
from paramstack.engine.protocol import ChatMessage, GenerationChunk, GenerationRequest, SamplingParams
from paramstack.settings import ModelSettings


@dataclass
class Upstream:
    standin: VllmStandin
    url: str

    def engine(self, **settings: Any) -> OpenAIUpstreamEngine:
        fields = {"upstream_model": self.standin.model, "retry_backoff_s": 0.0, **settings}
        return OpenAIUpstreamEngine(ModelSettings(name="vllm", backend="openai", base_url=self.url, **fields))

    def generate(self, request: GenerationRequest, **settings: Any) -> list[GenerationChunk]:
        async def go() -> list[GenerationChunk]:
            engine = self.engine(**settings)
            try:
                return [chunk async for chunk in engine.generate(request)]
            finally:
                await engine.aclose()

        return asyncio.run(go())

    @property
    def body(self) -> dict[str, Any]:
        """The last request body the stand-in received."""
        return self.standin.bodies[-1]


@contextmanager
def serving(standin: VllmStandin | None = None) -> Iterator[Upstream]:
    standin = standin or VllmStandin()
    with ThreadedServer(standin.app) as server:
        yield Upstream(standin, server.url)


def chat(*messages: ChatMessage | str, incremental: bool = True, **fields: Any) -> GenerationRequest:
    turns: Sequence[ChatMessage] = [m if isinstance(m, ChatMessage) else ChatMessage("user", m) for m in messages]
    sampling = fields.pop("sampling", SamplingParams(max_tokens=64, temperature=0.0))
    return GenerationRequest(
        request_id="req-1", model="vllm", messages=turns, sampling=sampling, incremental=incremental, **fields
    )


def completion(prompt: str | tuple[int, ...], *, incremental: bool = True, **fields: Any) -> GenerationRequest:
    sampling = fields.pop("sampling", SamplingParams(max_tokens=64, temperature=0.0))
    return GenerationRequest(
        request_id="req-1", model="vllm", prompt=prompt, sampling=sampling, incremental=incremental, **fields
    )


def text(chunks: Sequence[GenerationChunk]) -> str:
    return "".join(chunk.text for chunk in chunks)
