"""The output guard for streamed responses: a hold-back buffer so nothing unmasked reaches the client.

``feed(delta)`` returns the part of the output that is now safe to send; ``finish()`` returns the rest
(plus any disclaimer). Either raises ``ContentBlocked`` when a block-action check fires; the caller then
stops the upstream generation and ends the stream with an error event.

What is held back, and why (the latency trade-off):

- **The trailing token**, because it may still grow into an e-mail, IBAN or card number
  ("ali.veli" + "@example.com").
- **Trailing tokens that contain a digit**, because phone, card, IBAN and SSN values are written as
  digit groups separated by spaces ("+90 532" + " 123 45 67"). Every such PII value consists only of
  digit-bearing tokens, so a text position after a digit-free token is a *safe boundary*: no PII match
  can cross it, and masking the text before it gives exactly the result of masking the whole output.
- **At least ``min_emit_chars``** (default 16) before a check runs, so a model streaming one token at a
  time does not pay one guard call per token.

In ordinary prose the delay is therefore one word plus up to 16 characters: a few tokens, a few tens of
milliseconds at typical generation speed. Memory is bounded: if a region without a safe boundary grows
past ``max_pending_chars`` (default 1024: a long run of digit groups, or one huge "token"), the stream
forces a cut ``MAX_PII_CHARS`` (254) before the end, moved back to the start of any PII value that would
straddle it, so even then no value is split. The checks that read meaning (jailbreak, toxicity,
copyright) see each new segment together with the tail of what was already sent (their
``context_chars``), so a phrase split across chunks is still seen whole. Because text is released as it
is judged, a block can come after part of the answer was sent: a verbatim run is blocked once it
reaches the copyright threshold, not before its first words. Disclaimers are added by ``finish``; their
language is detected on the first 4,000 characters of the output.
"""

from __future__ import annotations

from typing import Protocol

from paramstack.errors import ContentBlocked
from paramstack.guard.normalize import lazy_normalized
from paramstack.guard.result import ACTION_STRENGTH, Action, Direction, Evaluation, Finding, GuardResult
from paramstack.guard.scanners.disclaimer import DisclaimerScanner
from paramstack.guard.scanners.pii import MAX_PII_CHARS


class JudgingGuard(Protocol):
    """What a stream needs of a guard (``Guard`` is one): a Protocol, so that this module does not import
    the guard that builds streams."""

    @property
    def name(self) -> str: ...

    @property
    def max_chars(self) -> int: ...

    context_chars: dict[str, int]

    def evaluate(
        self, text: str, direction: Direction = "input", *, new_from: int = 0, with_disclaimers: bool = True
    ) -> Evaluation: ...

    def blocked_error(self, findings: list[Finding], direction: str) -> ContentBlocked: ...

    def disclaimers(self, direction: Direction) -> list[DisclaimerScanner]: ...


_LANGUAGE_SAMPLE_CHARS = 4000


def safe_cut(pending: str) -> int:
    """The largest index of ``pending`` before which no PII value can still be growing."""
    position = len(pending)
    if position and not pending[-1].isspace():
        while position > 0 and not pending[position - 1].isspace():
            position -= 1
        if not any(ch.isdigit() for ch in pending[position:]):
            return position
    while True:
        end = position
        while end > 0 and pending[end - 1].isspace():
            end -= 1
        start = end
        while start > 0 and not pending[start - 1].isspace():
            start -= 1
        if start == end or not any(ch.isdigit() for ch in pending[start:end]):
            return position
        position = start


class OutputStream:
    def __init__(
        self,
        guard: JudgingGuard,
        direction: Direction = "output",
        *,
        min_emit_chars: int = 16,
        max_pending_chars: int = 1024,
    ) -> None:
        if max_pending_chars <= MAX_PII_CHARS:
            raise ValueError(f"max_pending_chars must exceed {MAX_PII_CHARS} (the longest PII value)")
        self._guard = guard
        self._direction = direction
        self._min_emit = min_emit_chars
        self._max_pending = max_pending_chars
        self._context_chars = guard.context_chars[direction]
        self._pending = ""
        self._context = ""  # tail of the raw text already judged, re-read by the meaning checks
        self._judged = 0  # raw characters judged so far (findings' offsets count from the stream start)
        self._language_sample = ""
        self._disclaimers = guard.disclaimers(direction)
        self._triggered: set[int] = set()  # indices into _disclaimers
        self._action: Action = "allow"
        self._closed = False
        self.findings: list[Finding] = []
        self.appendix = ""  # what ``finish`` appended (disclaimers), for callers that must keep it apart

    @property
    def action(self) -> Action:
        return self._action

    def result(self, text: str | None = None) -> GuardResult:
        return GuardResult(self._action, text, list(self.findings))

    def feed(self, delta: str) -> str:
        self._check_open()
        self._pending += delta
        if self._judged + len(self._pending) > self._guard.max_chars:
            self._block(Finding("limits", "too_large", 0, self._judged + len(self._pending), 1.0))
        cut = safe_cut(self._pending)
        if len(self._pending) - cut > self._max_pending:
            cut = self._forced_cut()
        if cut < self._min_emit:
            return ""
        return self._judge(cut)

    def finish(self) -> str:
        self._check_open()
        out = self._judge(len(self._pending)) if self._pending else ""
        self._closed = True
        appendix = []
        for index in sorted(self._triggered):
            finding = self._disclaimers[index].finding_for(self._context, self._language_sample)
            if finding is not None:
                self.findings.append(Finding(finding.check, finding.type, self._judged, self._judged, 1.0))
                appendix.append(self._disclaimers[index].replacement(finding))
                self._raise_action("append")
        self.appendix = "".join(appendix)
        return out + self.appendix

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this output stream is finished (or was blocked)")

    def _forced_cut(self) -> int:
        cut = len(self._pending) - MAX_PII_CHARS
        evaluation = self._guard.evaluate(self._pending, self._direction, with_disclaimers=False)
        for finding in evaluation.findings:
            if finding.start < cut < finding.end:
                cut = finding.start
        return cut

    def _judge(self, cut: int) -> str:
        segment, self._pending = self._pending[:cut], self._pending[cut:]
        text = self._context + segment
        base = self._judged - len(self._context)
        evaluation = self._guard.evaluate(text, self._direction, new_from=len(self._context), with_disclaimers=False)
        new = [f.shifted(base) for f in evaluation.findings]
        self.findings.extend(new)
        if evaluation.action == "block":
            self._closed = True
            self._action = "block"
            raise self._guard.blocked_error(new, self._direction)
        self._raise_action(evaluation.action)
        if self._disclaimers:
            normalized = lazy_normalized(text)
            for index, disclaimer in enumerate(self._disclaimers):
                if index not in self._triggered and disclaimer.triggered(normalized):
                    self._triggered.add(index)
        if len(self._language_sample) < _LANGUAGE_SAMPLE_CHARS:
            self._language_sample += segment[: _LANGUAGE_SAMPLE_CHARS - len(self._language_sample)]
        self._judged += len(segment)
        self._context = text[-self._context_chars :] if self._context_chars else ""
        return evaluation.text or ""

    def _block(self, finding: Finding) -> None:
        self.findings.append(finding)
        self._closed = True
        self._action = "block"
        raise ContentBlocked(
            f"the response was blocked by guard policy '{self._guard.name}': {finding.check} ({finding.type})"
        )

    def _raise_action(self, action: Action) -> None:
        if ACTION_STRENGTH[action] > ACTION_STRENGTH[self._action]:
            self._action = action
