"""The request path, in one readable place.

authenticate key -> resolve tenant, model, adapter -> guard input -> RAG augment -> admit (rate limit,
reserve quota) -> engine (stream) -> guard output (hold-back buffer) -> sign -> settle usage -> audit.

``prepare`` does everything that can refuse a call, before any byte of the response is sent (so a refusal
is a proper HTTP status). ``execute`` runs the engine and yields events; it settles and audits in its
``finally``, so a stream the client abandons is charged for exactly the tokens it produced.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio

from paramstack.engine.protocol import ChatMessage, GenerationRequest, SamplingParams
from paramstack.engine.router import ModelRouter, Target
from paramstack.engine.sticky import sticky_key
from paramstack.errors import InvalidRequest, ParamstackError
from paramstack.gateway.request_digest import request_digest
from paramstack.gateway.schemas import ChatCompletionRequest, CompletionRequest, SamplingFields
from paramstack.gateway.steps import (
    AdmissionControl,
    Attestation,
    AuditRecord,
    AuditStep,
    CallInfo,
    Finding,
    GuardStep,
    OutputFilter,
    RetrievalStep,
    SigningStep,
    Source,
    Ticket,
    UsageCounts,
)
from paramstack.observability.metrics import GatewayMetrics
from paramstack.tenancy.authenticator import Authenticator, Caller

LOG = logging.getLogger("paramstack.requests")
Result = TypeVar("Result")
CLIENT_CLOSED_REQUEST = 499  # nginx's code for a client that went away: used in the audit log only


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class Finished:
    finish_reason: str
    usage: UsageCounts
    attestation: Attestation | None


@dataclass
class PreparedCall:
    call: CallInfo
    target: Target
    generation: GenerationRequest
    ticket: Ticket | None
    output_filter: OutputFilter | None
    sources: list[Source]
    findings: list[Finding] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    @property
    def rate_limit_headers(self) -> dict[str, str]:
        return dict(self.ticket.headers) if self.ticket else {}


@dataclass
class Pipeline:
    authenticator: Authenticator
    router: ModelRouter
    metrics: GatewayMetrics
    default_max_tokens: int = 256
    max_tokens_limit: int = 4096
    admission: AdmissionControl | None = None
    guard: GuardStep | None = None
    retrieval: RetrievalStep | None = None
    signer: SigningStep | None = None
    audit: AuditStep | None = None

    async def prepare(self, authorization: str | None, body: ChatCompletionRequest | CompletionRequest,
                      raw_body: Mapping[str, Any]) -> PreparedCall:
        started = time.perf_counter()
        caller = await self.authenticator.authenticate(authorization)
        assert caller.tenant is not None  # tenant keys always have one
        target = self.router.resolve(caller.tenant, body.model, sticky_key=sticky_key(body.user, caller.key.key_id))
        call = self._call_info(caller, target, body, raw_body)
        findings: list[Finding] = []
        try:
            messages, prompt = _messages_or_prompt(body)
            if self.guard is not None:
                messages, prompt = self._guard_input(call, messages, prompt, findings)
            sources: list[Source] = []
            if self.retrieval is not None and messages is not None and self._wants_rag(caller, body):
                messages, sources = await self.retrieval.augment(call, caller.tenant.rag_collection or "", messages)
            generation = GenerationRequest(request_id=call.request_id, model=target.model, adapter=target.adapter,
                                           sampling=call.sampling, messages=messages, prompt=prompt,
                                           incremental=bool(body.stream))
            prompt_tokens = await target.engine.count_prompt_tokens(generation)
            ticket = None
            if self.admission is not None:
                ticket = await self.admission.admit(call, prompt_tokens + call.sampling.max_tokens)
        except ParamstackError as refusal:
            # Refused before any token was produced: nothing to charge, but the audit trail records it.
            await self._record(call, f"refused:{refusal.code}", refusal.status_code, UsageCounts(0, 0), 0,
                               time.perf_counter() - started, findings, None)
            raise
        output_filter = (self.guard.output_filter(call, caller.tenant.guard_policy, streaming=bool(body.stream))
                         if self.guard else None)
        return PreparedCall(call, target, generation, ticket, output_filter, sources, findings, started)

    async def execute(self, prepared: PreparedCall) -> AsyncIterator[TextDelta | Finished]:
        call, usage = prepared.call, UsageCounts(0, 0)
        status, http_status, settled = "cancelled", CLIENT_CLOSED_REQUEST, False
        delivered = _DeliveredText(self.metrics, prepared)
        try:
            # aclosing: a consumer that stops early (client gone) closes the engine's stream at once, which
            # cancels the row in the batch instead of letting it generate for nobody.
            async with aclosing(prepared.target.engine.generate(prepared.generation)) as chunks:
                async for chunk in chunks:
                    usage = UsageCounts(chunk.prompt_tokens, chunk.completion_tokens)
                    if safe := delivered.add(prepared.output_filter.feed(chunk.text)
                                             if prepared.output_filter else chunk.text):
                        yield TextDelta(safe)
                    if chunk.finish_reason is None:
                        continue
                    if tail := delivered.add(prepared.output_filter.finish() if prepared.output_filter else ""):
                        yield TextDelta(tail)
                    attestation = self.signer.sign(call, delivered.text, usage) if self.signer else None
                    # Usage is settled and audited before the last event goes out: a response the client
                    # has in full is always in the ledger (a crash in between can only over-count).
                    status, http_status, settled = "ok", 200, True
                    with anyio.CancelScope(shield=True):
                        await self._settle_and_audit(prepared, usage, status, http_status, attestation)
                    yield Finished(chunk.finish_reason, usage, attestation)
                    return
        except ParamstackError as error:
            status, http_status = f"error:{error.code}", error.status_code
            raise
        finally:
            if not settled:
                # The client's disconnect cancels this task; the bookkeeping must still finish, or the
                # quota reservation and the concurrency slot would leak and the audit trail miss the call.
                with anyio.CancelScope(shield=True):
                    await self._settle_and_audit(prepared, usage, status, http_status, None)

    async def metered(self, caller: Caller, model: str, raw_body: Mapping[str, Any], reserve_tokens: int,
                      work: Callable[[], Awaitable[tuple[Result, int]]]) -> tuple[Result, dict[str, str]]:
        """A call that generates nothing (embeddings), under the same limits, quota, ledger and audit as a
        completion: admitted with ``reserve_tokens`` (an upper bound), settled to the input tokens ``work``
        reports. Returns ``work``'s result and the rate-limit headers."""
        started = time.perf_counter()
        call = CallInfo(request_id=f"embd-{uuid.uuid4().hex}", caller=caller, public_model=model, model=model,
                        adapter=None, sampling=SamplingParams(max_tokens=0), created=int(time.time()),
                        request_digest=request_digest(raw_body))
        try:
            ticket = await self.admission.admit(call, reserve_tokens) if self.admission is not None else None
        except ParamstackError as refusal:
            await self._record(call, f"refused:{refusal.code}", refusal.status_code, UsageCounts(0, 0), 0,
                               time.perf_counter() - started, [], None)
            raise
        usage, status, http_status = UsageCounts(0, 0), "error", 500
        try:
            result, tokens = await work()
            usage, status, http_status = UsageCounts(tokens, 0), "ok", 200
        except ParamstackError as error:
            status, http_status = f"error:{error.code}", error.status_code
            raise
        finally:
            with anyio.CancelScope(shield=True):  # a client that leaves does not make the call free
                await self._settle_and_record(call, ticket, usage, status, http_status, time.perf_counter() - started,
                                              [], None)
        return result, dict(ticket.headers) if ticket else {}

    async def _settle_and_audit(self, prepared: PreparedCall, usage: UsageCounts, status: str, http_status: int,
                                attestation: Attestation | None) -> None:
        output_findings = list(prepared.output_filter.findings) if prepared.output_filter else []
        await self._settle_and_record(prepared.call, prepared.ticket, usage, status, http_status,
                                      time.perf_counter() - prepared.started, prepared.findings + output_findings,
                                      attestation)

    async def _settle_and_record(self, call: CallInfo, ticket: Ticket | None, usage: UsageCounts, status: str,
                                 http_status: int, seconds: float, findings: list[Finding],
                                 attestation: Attestation | None) -> None:
        """The call's ledger row and audit entry, submitted together: the writer commits them in one
        transaction (storage/writer.py). A ledger that cannot be written fails the call, and the audit says so."""
        cost = ticket.cost(usage) if ticket is not None else 0
        settling = ticket.settle(usage, delivered=status == "ok") if ticket is not None else _nothing()
        auditing = self._audit(call, status, http_status, usage, cost, seconds, findings, attestation)
        settled, audited = await asyncio.gather(settling, auditing, return_exceptions=True)
        if isinstance(settled, ParamstackError):
            try:
                await self._record(call, f"error:{settled.code}", settled.status_code, usage, 0, seconds, findings,
                                   None)
            except ParamstackError:  # the audit is down too: the ledger's failure is the one to report
                LOG.error("the failed call could not be audited either", extra={"request_id": call.request_id})
            raise settled
        if isinstance(settled, BaseException):
            raise settled
        self._observe(call, status, usage, cost, seconds, findings)
        if isinstance(audited, BaseException):
            raise audited

    async def _record(self, call: CallInfo, status: str, http_status: int, usage: UsageCounts, cost: int,
                      seconds: float, findings: list[Finding], attestation: Attestation | None) -> None:
        self._observe(call, status, usage, cost, seconds, findings)
        await self._audit(call, status, http_status, usage, cost, seconds, findings, attestation)

    def _observe(self, call: CallInfo, status: str, usage: UsageCounts, cost: int, seconds: float,
                 findings: list[Finding]) -> None:
        self.metrics.observe_completion(call.org_id, call.public_model, status.partition(":")[0], seconds, usage)
        self.metrics.observe_findings(call.org_id, findings)
        # Ids and counts only: prompt text and keys never reach the logs.
        LOG.info("completion", extra={
            "request_id": call.request_id, "tenant": call.org_id, "key_id": call.caller.key.key_id,
            "model": call.public_model, "adapter": call.adapter, "status": status,
            "prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
            "cost_micros": cost, "latency_ms": round(seconds * 1000.0, 2)})

    async def _audit(self, call: CallInfo, status: str, http_status: int, usage: UsageCounts, cost: int,
                     seconds: float, findings: list[Finding], attestation: Attestation | None) -> None:
        if self.audit is not None:
            await self.audit.record(AuditRecord(call, status, http_status, usage, cost, seconds * 1000.0, findings,
                                                attestation.digest() if attestation else None))

    def _call_info(self, caller: Caller, target: Target, body: SamplingFields,
                   raw_body: Mapping[str, Any]) -> CallInfo:
        max_tokens = body.max_tokens or self.default_max_tokens
        if max_tokens > self.max_tokens_limit:
            raise InvalidRequest(f"max_tokens is {max_tokens}; this server allows at most {self.max_tokens_limit}",
                                 param="max_tokens", code="invalid_value")
        sampling = SamplingParams(max_tokens=max_tokens, temperature=body.temperature, top_p=body.top_p,
                                  stop=body.stop_sequences, seed=body.seed)
        return CallInfo(
            request_id=f"chatcmpl-{uuid.uuid4().hex}", caller=caller, public_model=target.public_id,
            model=target.model, adapter=target.adapter, sampling=sampling, created=int(time.time()),
            request_digest=request_digest(raw_body),
        )

    def _guard_input(self, call: CallInfo, messages: list[ChatMessage] | None, prompt: str | None,
                     findings: list[Finding]) -> tuple[list[ChatMessage] | None, str | None]:
        """The tenant's policy on every text the caller wrote (assistant turns are the model's, not input).

        Findings are collected into ``findings`` even when a block ends the call, so the audit names them.
        """
        assert self.guard is not None and call.caller.tenant is not None
        guard, policy = self.guard, call.caller.tenant.guard_policy

        def checked(text: str) -> str:
            result = guard.check_input(call, policy, text)
            findings.extend(result.findings)
            if result.blocked or result.text is None:
                raise guard.blocked(policy, result)
            return result.text

        if prompt is not None:
            return None, checked(prompt)
        return [m if m.role == "assistant" else ChatMessage(role=m.role, content=checked(m.content))
                for m in messages or []], None

    @staticmethod
    def _wants_rag(caller: Caller, body: SamplingFields) -> bool:
        """The request's ``rag`` when it has one, else the tenant's ``rag_by_default``."""
        tenant = caller.tenant
        if tenant is None or not tenant.rag_collection:
            return False
        return tenant.rag_by_default if body.rag is None else body.rag


async def _nothing() -> None:
    return None


class _DeliveredText:
    """The text a client has been sent so far; the first piece of it sets time-to-first-token."""

    def __init__(self, metrics: GatewayMetrics, prepared: PreparedCall) -> None:
        self._metrics, self._prepared = metrics, prepared
        self._parts: list[str] = []

    def add(self, text: str) -> str:
        if text and not self._parts:
            call = self._prepared.call
            self._metrics.time_to_first_token.labels(call.org_id, call.public_model).observe(
                time.perf_counter() - self._prepared.started)
        if text:
            self._parts.append(text)
        return text

    @property
    def text(self) -> str:
        return "".join(self._parts)


def _messages_or_prompt(body: ChatCompletionRequest | CompletionRequest) -> tuple[list[ChatMessage] | None, str | None]:
    if isinstance(body, CompletionRequest):
        return None, str(body.prompt)
    # OpenAI's "developer" role is the newer name of "system".
    return [ChatMessage(role="system" if m.role == "developer" else m.role, content=m.text)
            for m in body.messages], None
