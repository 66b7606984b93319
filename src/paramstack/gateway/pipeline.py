"""The request path, in one readable place, for every protocol (each front-end builds a ``CallRequest``).

authenticate key -> resolve tenant, model, adapter -> guard input (the caller's text; tool results and
retrieved documents as untrusted content) -> RAG augment -> admit (rate limit, reserve quota) -> engine
(stream; constrained decoding for tool calls and JSON) -> guard output (text and tool-call arguments,
hold-back buffer) -> sign (text and tool calls) -> settle usage -> audit (one entry per request, refusals
included) -> respond.

``prepare`` does everything that can refuse a call, before any byte of the response is sent (so a refusal
is a proper HTTP status). ``execute`` runs the engine and yields events; it settles and audits before the
last one, and in its ``finally`` when the client goes away, so an abandoned stream is charged for exactly
the tokens it produced.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from contextlib import aclosing
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, TypeVar

import anyio

from paramstack.calls import CANCELLED, NO_USAGE, CallInfo, Outcome, OutcomeKind, Source, UsageCounts
from paramstack.engine.protocol import (
    FinishReason,
    GenerationRequest,
    SamplingParams,
)
from paramstack.engine.router import ModelRouter, Target
from paramstack.engine.sticky import sticky_key
from paramstack.errors import ContentBlocked, InvalidRequest, ParamstackError, UpstreamError
from paramstack.gateway.bookkeeping import CallBookkeeping
from paramstack.gateway.call_attributes import request_attributes, usage_attributes
from paramstack.gateway.call_events import EchoedPrompt, Finished, PipelineEvent, TextDelta
from paramstack.gateway.call_request import CallRequest
from paramstack.gateway.delivery import Delivery
from paramstack.gateway.input_guard import InputGuard
from paramstack.gateway.request_digest import request_digest
from paramstack.gateway.steps import (
    AdmissionControl,
    Attestation,
    AuditStep,
    GuardStep,
    RetrievalStep,
    SigningStep,
    Ticket,
)
from paramstack.guard.result import Finding
from paramstack.observability.metrics import GatewayMetrics
from paramstack.observability.tracing import NO_TRACE, CallTrace, Tracing
from paramstack.tenancy.authenticator import Authenticator
from paramstack.tenancy.models import Caller

Result = TypeVar("Result")


@dataclass
class PreparedCall:
    call: CallInfo
    request: CallRequest
    target: Target
    generation: GenerationRequest
    ticket: Ticket | None
    sources: list[Source]
    findings: list[Finding] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    trace: CallTrace = NO_TRACE
    # Seconds spent waiting on the engine (the upstream or the local model), summed over its chunks.
    engine_seconds: float = 0.0
    # When the front-end began on the request (before authentication); ``started`` if it did not say.
    received: float | None = None

    def overhead_seconds(self, now: float | None = None) -> float:
        """The gateway's own time on this call so far: since the request was received, less the engine wait.

        It includes the consumer's time between chunks (encoding and sending them), which is the gateway's
        too; it excludes only the time spent awaiting the engine's next chunk."""
        start = self.received if self.received is not None else self.started
        return max(0.0, (time.perf_counter() if now is None else now) - start - self.engine_seconds)

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
    tracing: Tracing = field(default_factory=lambda: Tracing(None))
    _books: CallBookkeeping = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._books = CallBookkeeping(self.metrics, self.audit)

    async def authenticate(self, authorization: str | None) -> Caller:
        """The tenant key's caller (401/403 otherwise). Failures before this are not chained per request."""
        return await self.authenticator.authenticate(authorization)

    async def refuse(
        self, caller: Caller, request: CallRequest | None, model: str, raw_body: Any, refusal: ParamstackError
    ) -> None:
        """Record a request refused before it could be prepared (a body that does not validate): one audit
        entry, with the body's digest and never the body."""
        call = self._call_info(caller, request.id_prefix if request else "req-", model, raw_body)
        await self._books.record(
            call, Outcome.refused(refusal.code or "invalid_request", refusal.status_code), NO_USAGE, 0, 0.0, [], None
        )

    async def prepare(
        self, caller: Caller, request: CallRequest, raw_body: Mapping[str, Any], trace: CallTrace = NO_TRACE
    ) -> PreparedCall:
        """Everything that can refuse the call, before any byte of the response: resolution, the input guard,
        retrieval, the prompt count and admission. A refusal is audited, then raised."""
        started = time.perf_counter()
        assert caller.tenant is not None  # tenant keys always have one
        call = self._call_info(caller, request.id_prefix, request.model, raw_body)
        findings: list[Finding] = []
        try:
            with trace.step("resolution"):
                target = self.router.resolve(
                    caller.tenant, request.model, sticky_key=sticky_key(request.user, caller.key.key_id)
                )
                call = replace(
                    call,
                    public_model=target.public_id,
                    model=target.model,
                    adapter=target.adapter,
                    sampling=self._sampling(request),
                )
            trace.set(request_attributes(call, request))
            messages, prompt = request.messages, request.prompt
            inputs = InputGuard(self.guard, call, caller.tenant.guard_policy, findings) if self.guard else None
            if inputs is not None:
                with trace.step("input_guard"):
                    messages = inputs.messages(messages) if messages is not None else None
                    prompt = inputs.prompt(prompt) if isinstance(prompt, str) else prompt
            sources: list[Source] = []
            if self.retrieval is not None and messages is not None and self._wants_rag(caller, request):
                with trace.step("retrieval"):
                    augmented, sources = await self.retrieval.augment(
                        call,
                        caller.tenant.rag_collection or "",
                        messages,
                        screen=inputs.untrusted if inputs is not None else None,
                    )
                messages = tuple(augmented)
            generation = GenerationRequest(
                request_id=call.request_id,
                model=target.model,
                adapter=target.adapter,
                sampling=call.sampling,
                messages=messages,
                prompt=prompt,
                incremental=request.stream,
                tools=request.tools,
                tool_choice=request.tool_choice,
                parallel_tool_calls=request.parallel_tool_calls,
                output_format=request.output_format,
                logprobs=request.logprobs,
                echo=request.echo,
                passthrough=request.passthrough,
            )
            with trace.step("admission"):
                prompt_tokens = await target.engine.count_prompt_tokens(generation)
                ticket = None
                if self.admission is not None:
                    ticket = await self.admission.admit(call, prompt_tokens + call.sampling.max_tokens)
        except ParamstackError as refusal:
            # Refused before any token was produced: nothing to charge, but the audit trail records it.
            await self._books.record(
                call,
                Outcome.refused(refusal.code or "refused", refusal.status_code),
                NO_USAGE,
                0,
                time.perf_counter() - started,
                findings,
                None,
            )
            raise
        return PreparedCall(call, request, target, generation, ticket, sources, findings, started, trace)

    async def execute(self, prepared: PreparedCall) -> AsyncGenerator[PipelineEvent, None]:
        """The engine's answer through the output guard, as events; the last one is ``Finished``. An output the
        guard blocks ends early with ``finish_reason == "content_filter"`` (what was sent stays sent)."""
        call, usage, trace = prepared.call, NO_USAGE, prepared.trace
        outcome, settled, failure = CANCELLED, False, None
        delivery = self._delivery(prepared)
        guard_seconds = 0.0
        try:
            # aclosing: a consumer that stops early (client gone) closes the engine's stream at once, which
            # cancels the row in the batch instead of letting it generate for nobody.
            with trace.step("engine"):
                async with aclosing(prepared.target.engine.generate(prepared.generation)) as chunks:
                    finish_reason: FinishReason | None = None
                    stop_sequence: str | None = None
                    blocked: ContentBlocked | None = None
                    try:
                        waiting = time.perf_counter()
                        async for chunk in chunks:
                            prepared.engine_seconds += time.perf_counter() - waiting
                            usage = UsageCounts(chunk.prompt_tokens, chunk.completion_tokens)
                            judged = time.perf_counter()
                            events = delivery.add(chunk, TextDelta, EchoedPrompt)
                            if chunk.finish_reason is not None:
                                finish_reason, stop_sequence = chunk.finish_reason, chunk.stop_sequence
                                events += delivery.finish(TextDelta)
                            guard_seconds += time.perf_counter() - judged
                            for event in events:
                                yield event  # type: ignore[misc]
                            if finish_reason is not None:
                                break
                            waiting = time.perf_counter()
                    except ContentBlocked as block:
                        blocked, finish_reason = block, "content_filter"
            trace.record("output_guard", guard_seconds)
            if finish_reason is None:
                raise UpstreamError("the engine ended the answer without a finish reason")
            tool_calls = delivery.tool_calls
            if finish_reason == "tool_calls" and not tool_calls:
                finish_reason = "stop"
            with trace.step("signing"):
                attestation = self.signer.sign(call, delivery.text, usage, tool_calls) if self.signer else None
            # Usage is settled and audited before the last event goes out: a response the client has in
            # full is always in the ledger (a crash in between can only over-count).
            outcome = Outcome(OutcomeKind.OK, 200, "content_filter" if blocked else None)
            settled = True
            await self._close(prepared, delivery, usage, outcome, attestation)
            trace.set({"gen_ai.response.finish_reasons": [finish_reason], **usage_attributes(usage, outcome)})
            yield Finished(
                finish_reason,
                usage,
                attestation,
                tool_calls,
                delivery.disclaimer,
                tuple(delivery.findings) if blocked else (),
                stop_sequence if finish_reason == "stop" else None,
            )
        except ParamstackError as error:
            outcome, failure = Outcome.error(error.code or "error", error.status_code), error
            raise
        finally:
            if not settled:
                # The client's disconnect cancels this task; the bookkeeping must still finish, or the
                # quota reservation and the concurrency slot would leak and the audit trail miss the call.
                await self._close(prepared, delivery, usage, outcome, None)
                trace.set(usage_attributes(usage, outcome))
            trace.end(failure)

    async def _close(
        self,
        prepared: PreparedCall,
        delivery: Delivery,
        usage: UsageCounts,
        outcome: Outcome,
        attestation: Attestation | None,
    ) -> None:
        """Settle and audit the call, however it ended; shielded, so a client that leaves cannot cancel it."""
        with anyio.CancelScope(shield=True):
            await self._books.settle_and_record(
                prepared.call,
                prepared.ticket,
                usage,
                outcome,
                time.perf_counter() - prepared.started,
                prepared.findings + delivery.findings,
                attestation,
                tuple(c.name for c in delivery.tool_calls),
                prepared.trace,
            )

    async def metered(
        self,
        caller: Caller,
        model: str,
        raw_body: Mapping[str, Any],
        reserve_tokens: int,
        work: Callable[[], Awaitable[tuple[Result, int]]],
    ) -> tuple[Result, dict[str, str]]:
        """A call that generates nothing (embeddings), under the same limits, quota, ledger and audit as a
        completion: admitted with ``reserve_tokens`` (an upper bound), settled to the input tokens ``work``
        reports. Returns ``work``'s result and the rate-limit headers."""
        started = time.perf_counter()
        call = self._call_info(caller, "embd-", model, raw_body)
        try:
            ticket = await self.admission.admit(call, reserve_tokens) if self.admission is not None else None
        except ParamstackError as refusal:
            await self._books.record(
                call,
                Outcome.refused(refusal.code or "refused", refusal.status_code),
                NO_USAGE,
                0,
                time.perf_counter() - started,
                [],
                None,
            )
            raise
        usage, outcome = NO_USAGE, Outcome.error("internal_error", 500)
        try:
            result, tokens = await work()
            usage, outcome = UsageCounts(tokens, 0), Outcome.ok()
        except ParamstackError as error:
            outcome = Outcome.error(error.code or "error", error.status_code)
            raise
        finally:
            with anyio.CancelScope(shield=True):  # a client that leaves does not make the call free
                await self._books.settle_and_record(
                    call, ticket, usage, outcome, time.perf_counter() - started, [], None
                )
        return result, dict(ticket.headers) if ticket else {}

    def _delivery(self, prepared: PreparedCall) -> Delivery:
        call, request = prepared.call, prepared.request
        text_filter = args_filter = None
        if self.guard is not None and call.caller.tenant is not None:
            guard, policy = self.guard, call.caller.tenant.guard_policy
            # A whole (non-streamed) response is judged once, at its end: text and tool-call arguments alike.
            text_filter = guard.output_filter(call, policy, streaming=request.stream)
            args_filter = partial(guard.output_filter, call, policy, streaming=request.stream)

        def first_output() -> None:
            prepared.trace.first_token()
            self.metrics.time_to_first_token.labels(call.org_id, call.public_model).observe(
                time.perf_counter() - prepared.started
            )

        # A disclaimer goes beside JSON (it would break it) and beside text that comes with logprobs (the
        # text must be exactly the tokens the logprobs describe: lm-evaluation-harness reads them by offset).
        keep_apart = request.output_format.is_json or request.logprobs is not None
        return Delivery(
            text_filter,
            args_filter,
            keep_appendix_apart=keep_apart,
            logprobs=request.logprobs is not None,
            on_first_output=first_output,
        )

    def _call_info(self, caller: Caller, id_prefix: str, model: str, raw_body: Any) -> CallInfo:
        return CallInfo(
            request_id=f"{id_prefix}{uuid.uuid4().hex}",
            caller=caller,
            public_model=model[:200] or "-",
            model=model[:200] or "-",
            adapter=None,
            sampling=SamplingParams(),
            created=int(time.time()),
            request_digest=request_digest(raw_body),
        )

    def _sampling(self, request: CallRequest) -> SamplingParams:
        max_tokens = request.max_tokens or self.default_max_tokens
        if max_tokens > self.max_tokens_limit:
            raise InvalidRequest(
                f"max_tokens is {max_tokens}; this server allows at most {self.max_tokens_limit}",
                param="max_tokens",
                code="invalid_value",
            )
        return SamplingParams(
            max_tokens=max_tokens,
            temperature=request.temperature,
            top_p=request.top_p,
            stop=request.stop,
            seed=request.seed,
        )

    @staticmethod
    def _wants_rag(caller: Caller, request: CallRequest) -> bool:
        """The request's ``rag`` when it has one, else the tenant's ``rag_by_default``."""
        tenant = caller.tenant
        if tenant is None or not tenant.rag_collection:
            return False
        return tenant.rag_by_default if request.rag is None else request.rag
