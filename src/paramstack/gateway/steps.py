"""The narrow interfaces of the request path's steps (see ``pipeline.py``), one per room.

Each room implements its step (metering/, guard/, rag/, attest/); ``create_app`` builds them once and
hands them to the ``Pipeline``. A step that is not configured is ``None`` and skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from paramstack.calls import AuditRecord, CallInfo, Source, UsageCounts
from paramstack.engine.protocol import ChatMessage, ToolCall
from paramstack.errors import ContentBlocked
from paramstack.guard.result import Finding, GuardResult


class Ticket(Protocol):
    """An admitted call. ``settle`` is called exactly once, with what the call really used."""

    headers: Mapping[str, str]

    def cost(self, usage: UsageCounts) -> int:
        """What ``usage`` costs, in micro-units (known before ``settle`` commits it)."""
        ...

    async def settle(self, usage: UsageCounts, *, delivered: bool) -> int:
        """Record the usage; returns its cost in micro-units."""
        ...


class AdmissionControl(Protocol):
    async def admit(self, call: CallInfo, reserve_tokens: int) -> Ticket:
        """Raise RateLimited/QuotaExceeded (429), or ServiceUnavailable when the limiter cannot decide."""
        ...


class OutputFilter(Protocol):
    appendix: str  # what ``finish`` appended (a policy's disclaimer)

    def feed(self, delta: str) -> str: ...

    def finish(self) -> str: ...

    @property
    def findings(self) -> list[Finding]: ...


class GuardStep(Protocol):
    def check_input(self, call: CallInfo, policy: str, text: str) -> GuardResult:
        """The policy's verdict on one input text (masked text, findings, or a block)."""
        ...

    def check_untrusted(self, call: CallInfo, policy: str, text: str) -> GuardResult:
        """The verdict on untrusted content (tool results, retrieved or pasted documents)."""
        ...

    def check_conversation(self, call: CallInfo, policy: str, texts: list[str]) -> GuardResult:
        """The verdict on the caller's texts joined (a payload split across turns or parts)."""
        ...

    def blocked(self, policy: str, result: GuardResult) -> ContentBlocked: ...

    def output_filter(self, call: CallInfo, policy: str, *, streaming: bool = True) -> OutputFilter: ...


class RetrievalStep(Protocol):
    async def augment(
        self,
        call: CallInfo,
        collection: str,
        messages: Sequence[ChatMessage],
        *,
        screen: Callable[[str], str | None] | None = None,
    ) -> tuple[list[ChatMessage], list[Source]]:
        """``screen``: the untrusted-content check on each retrieved text (None drops the chunk)."""
        ...


class Attestation(Protocol):
    """A signed statement over one response (see attest/response.py)."""

    def digest(self) -> str: ...

    def to_dict(self) -> dict[str, Any]: ...

    def compact(self) -> str: ...


class SigningStep(Protocol):
    def sign(
        self, call: CallInfo, output_text: str, usage: UsageCounts, tool_calls: Sequence[ToolCall] = ()
    ) -> Attestation:
        """Sign exactly the text and the tool calls the client received."""
        ...


class AuditStep(Protocol):
    async def record(self, record: AuditRecord) -> None: ...
