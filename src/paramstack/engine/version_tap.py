"""Per-adapter-version metrics: what a canary is judged on.

Two taps, because two places see different things:

- ``VersionTap`` wraps the engine for one request routed to a known version: engine outcome (``ok``;
  ``error`` for backend failures; ``invalid`` for requests the backend refused as bad), engine duration and
  time to first token. A stream the consumer abandons (client gone, output guard block) is not counted here:
  it says nothing about the version's health by itself.
- ``GuardBlockTap`` wraps the audit step, which sees every request's final status including refusals, and
  counts content-policy blocks (input and output) as ``guard_blocked``: a new adapter that makes the guard
  fire more often is a regression users notice.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from paramstack.engine.protocol import Engine, GenerationChunk, GenerationRequest
from paramstack.errors import ContentBlocked, ParamstackError

if TYPE_CHECKING:
    from paramstack.calls import AuditRecord
    from paramstack.observability.metrics import GatewayMetrics

# An input refused by the guard, and an output it cut short (delivered up to the last safe byte).
GUARD_CODES = frozenset({ContentBlocked.code, "content_filter"})


class AuditSink(Protocol):
    async def record(self, record: AuditRecord) -> None: ...


@dataclass(frozen=True)
class VersionLabels:
    tenant: str
    adapter: str
    version: str


class VersionTap:
    """An engine that records per-version metrics around another engine (one per routed request)."""

    def __init__(
        self,
        engine: Engine,
        metrics: GatewayMetrics,
        labels: VersionLabels,
        *,
        prepare: Callable[[], Awaitable[None]] | None = None,
        clock: Callable[[], float] = time.perf_counter,
        on_response: Callable[[VersionLabels, GenerationRequest, str], None] | None = None,
    ) -> None:
        self.inner = engine
        self._metrics = metrics
        self._version = labels
        self._labels = (labels.tenant, labels.adapter, labels.version)
        self._prepare = prepare  # loads the version into the engine if it is not there yet
        self._clock = clock
        self._on_response = on_response  # the online judge's sampler: sees each completed response once

    async def generate(self, request: GenerationRequest) -> AsyncGenerator[GenerationChunk, None]:
        started = self._clock()
        outcome: str | None = None  # None: abandoned by the consumer, not counted
        first = True
        texts: list[str] | None = [] if self._on_response is not None else None
        try:
            if self._prepare is not None:
                await self._prepare()
            async for chunk in self.inner.generate(request):
                if first and chunk.text:
                    first = False
                    self._metrics.version_ttft.labels(*self._labels).observe(self._clock() - started)
                if texts is not None:
                    texts.append(chunk.text)
                if chunk.finish_reason is not None:
                    outcome = "ok"
                    if self._on_response is not None and texts is not None:
                        self._on_response(self._version, request, "".join(texts))
                yield chunk
        except ParamstackError as error:
            outcome = "error" if error.status_code >= 500 else "invalid"
            raise
        except Exception:
            outcome = "error"
            raise
        finally:
            if outcome is not None:
                self._metrics.version_requests.labels(*self._labels, outcome).inc()
                if outcome != "invalid":
                    self._metrics.version_duration.labels(*self._labels).observe(self._clock() - started)

    async def count_prompt_tokens(self, request: GenerationRequest) -> int:
        return await self.inner.count_prompt_tokens(request)

    def adapters(self) -> list[str]:
        return self.inner.adapters()

    async def load_adapter(self, name: str, path: str) -> None:
        await self.inner.load_adapter(name, path)

    async def unload_adapter(self, name: str) -> None:
        await self.inner.unload_adapter(name)

    async def aclose(self) -> None:
        """The shared engine is closed by its owner, never by a per-request tap."""


class GuardBlockTap:
    """An audit step that counts guard blocks per version, then hands the record on."""

    def __init__(
        self, inner: AuditSink | None, metrics: GatewayMetrics, labels_for: Callable[[str, str], VersionLabels | None]
    ) -> None:
        self._inner = inner
        self._metrics = metrics
        self._labels_for = labels_for  # (tenant, engine adapter name) -> labels, None if not versioned

    async def record(self, record: AuditRecord) -> None:
        call = record.call
        if call.adapter and record.outcome.code in GUARD_CODES:
            labels = self._labels_for(call.org_id, call.adapter)
            if labels is not None:
                self._metrics.version_requests.labels(
                    labels.tenant, labels.adapter, labels.version, "guard_blocked"
                ).inc()
        if self._inner is not None:
            await self._inner.record(record)
