"""The call's vocabulary: who calls what, what it used, how it ended, what it drew on.

A leaf module: it imports nothing from the gateway, the stores or storage, so every room (metering,
guard, attest, engine, rag) can speak of a call without loading the HTTP edge. The step Protocols that
use these types live with the pipeline (``gateway/steps.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from paramstack.engine.protocol import SamplingParams
from paramstack.tenancy.models import Caller

if TYPE_CHECKING:
    from paramstack.guard.result import Finding


@dataclass(frozen=True)
class CallInfo:
    """Who calls what: handed to every step once the model is resolved."""

    request_id: str
    caller: Caller
    public_model: str
    model: str
    adapter: str | None
    sampling: SamplingParams
    created: int  # unix seconds, as in OpenAI's responses
    request_digest: str  # SHA-256 of the canonical request body (no prompt text is kept)

    @property
    def org_id(self) -> str:
        return self.caller.org_id


@dataclass(frozen=True)
class UsageCounts:
    prompt_tokens: int
    completion_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


NO_USAGE = UsageCounts(0, 0)


class OutcomeKind(StrEnum):
    OK = "ok"  # delivered in full (a guard's content filter included: the client got what was safe)
    CANCELLED = "cancelled"  # the client went away before the end
    REFUSED = "refused"  # refused before any token was produced (a 4xx: validation, limits, guard...)
    ERROR = "error"  # failed after admission (upstream failure, ledger down...)


@dataclass(frozen=True)
class Outcome:
    """How a call ended: its kind, the error code that ended it (None when ok) and the HTTP status."""

    kind: OutcomeKind
    http_status: int
    code: str | None = None

    @classmethod
    def ok(cls) -> Outcome:
        return cls(OutcomeKind.OK, 200)

    @classmethod
    def refused(cls, code: str, http_status: int) -> Outcome:
        return cls(OutcomeKind.REFUSED, http_status, code)

    @classmethod
    def error(cls, code: str, http_status: int) -> Outcome:
        return cls(OutcomeKind.ERROR, http_status, code)

    @property
    def delivered(self) -> bool:
        return self.kind is OutcomeKind.OK


# nginx's code for a client that went away: used in the audit log and metrics only
CANCELLED = Outcome(OutcomeKind.CANCELLED, 499, "client_closed_request")


@dataclass(frozen=True)
class Source:
    """A retrieved chunk the answer drew on."""

    document: str
    chunk: int
    score: float


@dataclass(frozen=True)
class AuditRecord:
    """What the audit chain records of one call: ids, counts and codes, never text."""

    call: CallInfo
    outcome: Outcome
    usage: UsageCounts
    cost_micros: int
    latency_ms: float
    findings: list[Finding]
    attestation_digest: str | None
    tool_names: tuple[str, ...] = field(default=())  # the tools the model called, in order
