"""The guard room's step in the request path: the tenant's policy on the input and on the streamed output."""

from __future__ import annotations

from typing import TYPE_CHECKING

from paramstack.errors import ContentBlocked, InvalidRequest
from paramstack.guard.registry import GuardRegistry
from paramstack.guard.result import GuardResult
from paramstack.guard.scanners.pii import MAX_PII_CHARS
from paramstack.guard.settings import GuardSettings
from paramstack.guard.streaming import OutputStream

if TYPE_CHECKING:
    from paramstack.calls import CallInfo


class PolicyGuards:
    """Every shipped and configured policy, loaded and validated once at start (a bad policy stops start-up)."""

    def __init__(self, settings: GuardSettings) -> None:
        self._settings = settings
        self._registry = GuardRegistry(settings.policy_dir).load_all()

    def names(self) -> list[str]:
        return self._registry.names()

    def check_input(self, call: CallInfo, policy: str, text: str) -> GuardResult:
        """The policy's verdict: the text to send on (masked where the policy says), or a block."""
        return self._registry.get(policy).validate(text, "input")

    def check_untrusted(self, call: CallInfo, policy: str, text: str) -> GuardResult:
        """The policy's verdict on one untrusted text (a tool result, a pasted document, a retrieved chunk):
        ``.blocked`` (policy ``untrusted.action: block``; text None), or the text to pass on, with any
        injected instruction stripped (action ``strip``) or annotated (action ``annotate``), and findings
        (check ``injection``; ``limits`` when the guard ran past its time budget)."""
        return self._registry.get(policy).check_untrusted(text)

    def check_conversation(self, call: CallInfo, policy: str, texts: list[str]) -> GuardResult:
        """The jailbreak/injection checks over the joined conversation window (a payload split across
        messages or content parts). Only ``findings`` and ``blocked`` matter; ``text`` is None."""
        return self._registry.get(policy).check_conversation(texts)

    def blocked(self, policy: str, result: GuardResult) -> ContentBlocked:
        """The error for a blocked input, untrusted text or conversation: it names the checks that fired,
        never the content."""
        return self._registry.get(policy).blocked_error(result.findings, "input")

    def output_filter(self, call: CallInfo, policy: str, *, streaming: bool = True) -> OutputStream:
        """The output guard for one response. A client that streams gets text as soon as it is judged safe;
        one that waits for the whole response gets it judged once, whole (nothing is released before the
        end anyway, and one pass over the answer costs a fraction of one per ``min_emit_chars``)."""
        guard = self._registry.get(policy)
        if streaming:
            return guard.stream(
                "output",
                min_emit_chars=self._settings.min_emit_chars,
                max_pending_chars=self._settings.max_pending_chars,
            )
        hold_everything = max(guard.policy.max_chars, MAX_PII_CHARS) + 1  # the size limit blocks before that
        return guard.stream("output", min_emit_chars=hold_everything, max_pending_chars=hold_everything)


def ensure_policy_exists(name: str, settings: GuardSettings) -> None:
    """Refuse a tenant whose guard policy does not exist, before it is stored (not at its first request)."""
    known = GuardRegistry(settings.policy_dir).names()
    if name not in known:
        raise InvalidRequest(
            f"guard policy {name!r} does not exist; known policies: {', '.join(known)}", param="guard_policy"
        )
