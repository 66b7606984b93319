"""The request path, in one readable place.

authenticate key -> resolve tenant, model, adapter -> admit (rate limit, reserve quota) -> guard input
-> RAG augment -> engine (stream) -> guard output (hold-back buffer) -> sign -> settle usage -> audit.

``prepare`` does everything that can refuse a call, before any byte of the response is sent (so a refusal
is a proper HTTP status). ``execute`` runs the engine and yields events; it settles and audits in its
``finally``, so a stream the client abandons is charged for exactly the tokens it produced.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from paramstack.engine.protocol import ChatMessage, GenerationRequest, SamplingParams
from paramstack.engine.router import ModelRouter, Target
from paramstack.errors import InvalidRequest, ParamstackError
from paramstack.gateway.schemas import ChatCompletionRequest, CompletionRequest, SamplingFields
from paramstack.gateway.steps import (
    AdmissionControl,
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

@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class Finished:
    finish_reason: str
    usage: UsageCounts
    attestation: dict[str, Any] | None


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

    async def prepare(self, authorization: str | None, body: ChatCompletionRequest | CompletionRequest) -> PreparedCall:
        caller = self.authenticator.authenticate(authorization)
        assert caller.tenant is not None  # tenant keys always have one
        target = self.router.resolve(caller.tenant, body.model)
        call = self._call_info(caller, target, body)

        messages, prompt = _messages_or_prompt(body)
        findings: list[Finding] = []
        if self.guard is not None:
            messages, prompt, findings = self._guard_input(call, messages, prompt)
        sources: list[Source] = []
        if self.retrieval is not None and messages is not None and self._wants_rag(caller, body):
            messages, sources = await self.retrieval.augment(call, caller.tenant.rag_collection or "", messages)

        generation = GenerationRequest(request_id=call.request_id, model=target.model, adapter=target.adapter,
                                       sampling=call.sampling, messages=messages, prompt=prompt)
        prompt_tokens = await target.engine.count_prompt_tokens(generation)
        ticket = None
        if self.admission is not None:
            ticket = await self.admission.admit(call, prompt_tokens + call.sampling.max_tokens)
        output_filter = self.guard.output_filter(call, caller.tenant.guard_policy) if self.guard else None
        return PreparedCall(call, target, generation, ticket, output_filter, sources, findings)

    async def execute(self, prepared: PreparedCall) -> AsyncIterator[TextDelta | Finished]:
        call, usage, status = prepared.call, UsageCounts(0, 0), "cancelled"
        text_parts: list[str] = []
        labels = (call.org_id, call.public_model)
        try:
            async for chunk in prepared.target.engine.generate(prepared.generation):
                usage = UsageCounts(chunk.prompt_tokens, chunk.completion_tokens)
                safe = prepared.output_filter.feed(chunk.text) if prepared.output_filter else chunk.text
                if safe:
                    if not text_parts:
                        self.metrics.time_to_first_token.labels(*labels).observe(time.perf_counter() - prepared.started)
                    text_parts.append(safe)
                    yield TextDelta(safe)
                if chunk.finish_reason is not None:
                    tail = prepared.output_filter.finish() if prepared.output_filter else ""
                    if tail:
                        text_parts.append(tail)
                        yield TextDelta(tail)
                    attestation = self.signer.sign(call, "".join(text_parts)) if self.signer else None
                    status = "ok"
                    yield Finished(chunk.finish_reason, usage, attestation)
                    prepared.findings.extend(prepared.output_filter.findings if prepared.output_filter else [])
                    await self._settle_and_audit(prepared, usage, status, attestation)
                    return
        except ParamstackError as error:
            status = f"error:{error.code}"
            raise
        finally:
            if status != "ok":
                await self._settle_and_audit(prepared, usage, status, None)

    async def _settle_and_audit(self, prepared: PreparedCall, usage: UsageCounts, status: str,
                                attestation: dict[str, Any] | None) -> None:
        call = prepared.call
        latency = time.perf_counter() - prepared.started
        cost = await prepared.ticket.settle(usage, delivered=status == "ok") if prepared.ticket else 0
        self.metrics.observe_completion(call.org_id, call.public_model, status, latency, usage)
        # Ids and counts only: prompt text and keys never reach the logs.
        LOG.info("completion", extra={
            "request_id": call.request_id, "tenant": call.org_id, "key_id": call.caller.key.key_id,
            "model": call.public_model, "adapter": call.adapter, "status": status,
            "prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
            "cost_micros": cost, "latency_ms": round(latency * 1000.0, 2)})
        if self.audit is not None:
            digest = attestation.get("digest") if attestation else None
            await self.audit.record(AuditRecord(call, status, usage, cost, latency * 1000.0,
                                                prepared.findings, digest))

    def _call_info(self, caller: Caller, target: Target, body: SamplingFields) -> CallInfo:
        max_tokens = body.max_tokens or self.default_max_tokens
        if max_tokens > self.max_tokens_limit:
            raise InvalidRequest(f"max_tokens is {max_tokens}; this server allows at most {self.max_tokens_limit}",
                                 param="max_tokens", code="invalid_value")
        sampling = SamplingParams(max_tokens=max_tokens, temperature=body.temperature, top_p=body.top_p,
                                  stop=body.stop_sequences, seed=body.seed)
        canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return CallInfo(
            request_id=f"chatcmpl-{uuid.uuid4().hex}",
            caller=caller,
            public_model=target.public_id,
            model=target.model,
            adapter=target.adapter,
            sampling=sampling,
            created=int(time.time()),
            request_digest=hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        )

    def _guard_input(self, call: CallInfo, messages: list[ChatMessage] | None,
                     prompt: str | None) -> tuple[list[ChatMessage] | None, str | None, list[Finding]]:
        assert self.guard is not None and call.caller.tenant is not None
        policy = call.caller.tenant.guard_policy
        findings: list[Finding] = []
        if prompt is not None:
            guarded = self.guard.check_input(call, policy, prompt)
            return None, guarded.text, guarded.findings
        checked: list[ChatMessage] = []
        for message in messages or []:
            if message.role == "assistant":
                checked.append(message)
                continue
            guarded = self.guard.check_input(call, policy, message.content)
            findings.extend(guarded.findings)
            checked.append(ChatMessage(role=message.role, content=guarded.text))
        return checked, None, findings

    @staticmethod
    def _wants_rag(caller: Caller, body: SamplingFields) -> bool:
        has_collection = caller.tenant is not None and bool(caller.tenant.rag_collection)
        return has_collection and (body.rag is True)


def _messages_or_prompt(body: ChatCompletionRequest | CompletionRequest) -> tuple[list[ChatMessage] | None, str | None]:
    if isinstance(body, CompletionRequest):
        return None, str(body.prompt)
    # OpenAI's "developer" role is the newer name of "system".
    return [ChatMessage(role="system" if m.role == "developer" else m.role, content=m.text)
            for m in body.messages], None
