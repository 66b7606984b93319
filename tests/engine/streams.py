"""Collecting engine streams in tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from paramstack.engine.protocol import ChatMessage, GenerationChunk, GenerationRequest, SamplingParams


@dataclass
class Completion:
    chunks: list[GenerationChunk]

    @property
    def text(self) -> str:
        return "".join(chunk.text for chunk in self.chunks)

    @property
    def last(self) -> GenerationChunk:
        return self.chunks[-1]


def request(
    prompt: str | None = None, *, chat: str | None = None, adapter: str | None = None, **sampling: object
) -> GenerationRequest:
    sampling.setdefault("temperature", 0.0)
    messages = [ChatMessage(role="user", content=chat)] if chat is not None else None
    return GenerationRequest(
        request_id=f"req-{uuid.uuid4().hex[:8]}",
        model="tiny",
        prompt=prompt,
        messages=messages,
        adapter=adapter,
        sampling=SamplingParams(**sampling),
    )  # type: ignore[arg-type]


async def collect(engine, req: GenerationRequest) -> Completion:
    return Completion([chunk async for chunk in engine.generate(req)])
