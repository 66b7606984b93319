"""A call's bookkeeping, however it ended: its usage settled and its ledger row and audit entry committed
together, its metrics observed and its log line written (ids and counts only). The pipeline calls it for every
call it answers or refuses (``pipeline.py``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from paramstack.calls import AuditRecord, CallInfo, Outcome, UsageCounts
from paramstack.errors import ParamstackError
from paramstack.gateway.steps import Attestation, AuditStep, Ticket
from paramstack.guard.result import Finding
from paramstack.observability.metrics import GatewayMetrics
from paramstack.observability.tracing import NO_TRACE, CallTrace

LOG = logging.getLogger("paramstack.requests")
Result = TypeVar("Result")


@dataclass(frozen=True)
class CallBookkeeping:
    metrics: GatewayMetrics
    audit: AuditStep | None = None

    async def settle_and_record(
        self,
        call: CallInfo,
        ticket: Ticket | None,
        usage: UsageCounts,
        outcome: Outcome,
        seconds: float,
        findings: list[Finding],
        attestation: Attestation | None,
        tool_names: tuple[str, ...] = (),
        trace: CallTrace = NO_TRACE,
    ) -> None:
        """The call's ledger row and audit entry, submitted together: the writer commits them in one
        transaction (storage/writer.py). A ledger that cannot be written fails the call, and the audit says so."""
        cost = ticket.cost(usage) if ticket is not None else 0
        settling = (
            _traced(trace, "settlement", ticket.settle(usage, delivered=outcome.delivered))
            if ticket is not None
            else _nothing()
        )
        auditing = _traced(
            trace, "audit", self.audit_call(call, outcome, usage, cost, seconds, findings, attestation, tool_names)
        )
        settled, audited = await asyncio.gather(settling, auditing, return_exceptions=True)
        if isinstance(settled, ParamstackError):
            try:
                await self.record(
                    call, Outcome.error(settled.code or "error", settled.status_code), usage, 0, seconds, findings, None
                )
            except ParamstackError:  # the audit is down too: the ledger's failure is the one to report
                LOG.error("the failed call could not be audited either", extra={"request_id": call.request_id})
            raise settled
        if isinstance(settled, BaseException):
            raise settled
        self.observe(call, outcome, usage, cost, seconds, findings)
        if isinstance(audited, BaseException):
            raise audited

    async def record(
        self,
        call: CallInfo,
        outcome: Outcome,
        usage: UsageCounts,
        cost: int,
        seconds: float,
        findings: list[Finding],
        attestation: Attestation | None,
    ) -> None:
        self.observe(call, outcome, usage, cost, seconds, findings)
        await self.audit_call(call, outcome, usage, cost, seconds, findings, attestation)

    def observe(
        self, call: CallInfo, outcome: Outcome, usage: UsageCounts, cost: int, seconds: float, findings: list[Finding]
    ) -> None:
        self.metrics.observe_completion(call.org_id, call.public_model, outcome.kind.value, seconds, usage)
        self.metrics.observe_findings(call.org_id, findings)
        # Ids and counts only: prompt text and keys never reach the logs.
        LOG.info(
            "completion",
            extra={
                "request_id": call.request_id,
                "tenant": call.org_id,
                "key_id": call.caller.key.key_id,
                "model": call.public_model,
                "adapter": call.adapter,
                "status": outcome.kind.value,
                "code": outcome.code,
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "cost_micros": cost,
                "latency_ms": round(seconds * 1000.0, 2),
            },
        )

    async def audit_call(
        self,
        call: CallInfo,
        outcome: Outcome,
        usage: UsageCounts,
        cost: int,
        seconds: float,
        findings: list[Finding],
        attestation: Attestation | None,
        tool_names: tuple[str, ...] = (),
    ) -> None:
        if self.audit is not None:
            await self.audit.record(
                AuditRecord(
                    call,
                    outcome,
                    usage,
                    cost,
                    seconds * 1000.0,
                    findings,
                    attestation.digest() if attestation else None,
                    tool_names,
                )
            )


async def _nothing() -> None:
    return None


async def _traced(trace: CallTrace, name: str, work: Awaitable[Result]) -> Result:
    with trace.step(name):
        return await work
