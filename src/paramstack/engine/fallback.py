"""A primary backend with a secondary behind it: fallback on failure, circuit breaking, hybrid share.

The product's "hybrid mode" sends part of the traffic to an external API on purpose (``hybrid_percent``)
and all of it when the own model is down. Rules:

- a failure *before any output* (upstream error, unavailable) is recorded by the breaker and the same
  request goes to the secondary; a failure after output cannot be hidden and is raised;
- client errors (bad request, context too long) are the request's fault, not the backend's: raised as is;
- while the circuit is open the primary is not tried at all (no waiting on a dead backend), and one trial
  request per ``breaker_reset_s`` tests whether it is back.

The secondary gets the tenant's adapter only if it serves one of that name; otherwise it answers as its
base model (an external API has no LoRA): the price of availability, visible in the logs.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import replace

from paramstack.engine.circuit import CircuitBreaker
from paramstack.engine.protocol import Capabilities, Engine, GenerationChunk, GenerationRequest
from paramstack.errors import ConfigurationError, ServiceUnavailable, UpstreamError
from paramstack.settings import ModelSettings

LOG = logging.getLogger("paramstack.engine.fallback")
BACKEND_FAILURES = (UpstreamError, ServiceUnavailable)


class FallbackEngine:
    def __init__(
        self, name: str, primary: Engine, secondary: Engine, breaker: CircuitBreaker, *, hybrid_percent: int = 0
    ) -> None:
        self.name = name
        self.primary = primary
        self.secondary = secondary
        self.breaker = breaker
        self._hybrid_percent = hybrid_percent

    def adapters(self) -> list[str]:
        return self.primary.adapters()

    async def load_adapter(self, name: str, path: str) -> None:
        await self.primary.load_adapter(name, path)

    async def unload_adapter(self, name: str) -> None:
        await self.primary.unload_adapter(name)

    def register_adapter(self, name: str, path: str) -> None:
        register = getattr(self.primary, "register_adapter", None)
        if register is not None:
            register(name, path)

    async def ensure_adapter(self, name: str) -> None:
        ensure = getattr(self.primary, "ensure_adapter", None)
        if ensure is not None:
            await ensure(name)

    async def count_prompt_tokens(self, request: GenerationRequest) -> int:
        return await self.primary.count_prompt_tokens(request)

    def capabilities(self) -> Mapping[str, bool]:
        """The primary's: the model a client chose is the primary (the secondary answers only by necessity)."""
        return self.primary.capabilities() if isinstance(self.primary, Capabilities) else {}

    async def generate(self, request: GenerationRequest) -> AsyncGenerator[GenerationChunk, None]:
        if self._hybrid(request) or not self.breaker.allow():
            async for chunk in self.secondary.generate(self._for_secondary(request)):
                yield chunk
            return
        produced = False
        verdict = False
        try:
            async for chunk in self.primary.generate(request):
                produced = True
                yield chunk
            self.breaker.record_success()
            verdict = True
            return
        except BACKEND_FAILURES as error:
            self.breaker.record_failure()
            verdict = True
            if produced:
                raise
            LOG.warning(
                "primary failed, answering from the fallback",
                extra={
                    "model": self.name,
                    "request_id": request.request_id,
                    "error": error.code,
                    "circuit": self.breaker.state,
                },
            )
        except Exception:
            self.breaker.record_success()  # the request's own fault: the backend answered
            verdict = True
            raise
        finally:
            if not verdict:
                self.breaker.release()  # cancelled by the client: no verdict on the backend
        async for chunk in self.secondary.generate(self._for_secondary(request)):
            yield chunk

    async def aclose(self) -> None:
        await self.primary.aclose()  # the secondary is a configured model of its own and closed as such

    def _hybrid(self, request: GenerationRequest) -> bool:
        if not self._hybrid_percent:
            return False
        digest = hashlib.sha256(request.request_id.encode("utf-8")).digest()
        return int.from_bytes(digest[:4], "big") % 100 < self._hybrid_percent

    def _for_secondary(self, request: GenerationRequest) -> GenerationRequest:
        if request.adapter and request.adapter not in self.secondary.adapters():
            return replace(request, adapter=None)
        return request


def wire_fallbacks(engines: Mapping[str, Engine], models: Sequence[ModelSettings]) -> dict[str, Engine]:
    """Wrap every model that names a ``fallback_model`` (settings validation already checked the names)."""
    wired: dict[str, Engine] = dict(engines)
    for model in models:
        if model.fallback_model is None:
            continue
        if model.fallback_model not in engines:
            raise ConfigurationError(f"model {model.name!r}: fallback_model {model.fallback_model!r} is not configured")
        breaker = CircuitBreaker(failure_threshold=model.breaker_failures, reset_after_s=model.breaker_reset_s)
        wired[model.name] = FallbackEngine(
            model.name, engines[model.name], engines[model.fallback_model], breaker, hybrid_percent=model.hybrid_percent
        )
    return wired
