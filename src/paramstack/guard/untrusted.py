"""Untrusted content and the conversation window: the two checks beside ``Guard.validate``.

``check_untrusted(text)``: a tool result, a document, a retrieved chunk. The injection scanner looks for
instructions addressed to the model; the policy's ``untrusted.action`` decides:

- ``block``: the result is blocked (text ``None``); the caller drops the content or refuses the call;
- ``strip``: each sentence (or line) holding an injected instruction is replaced by ``strip_marker``
  and the rest passes on, flagged (action ``strip``);
- ``annotate``: the text passes on whole, with a note before it and each injected span wrapped in
  ``<<untrusted-instruction>>...<</untrusted-instruction>>`` so the model can tell data from orders.

``check_conversation(texts)``: the direct-attack checks over the joined window of the conversation, so
that an attack split across messages or content parts ("Ignore all prev" + "ious instructions") is
seen whole. The texts are joined twice, with a space (pieces split between words) and with nothing
(pieces split inside a word); findings index the joined text and carry the type ``split_payload`` too
when no single part was an attack on its own.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from paramstack.guard.normalize import lazy_normalized
from paramstack.guard.policy import UntrustedPolicy
from paramstack.guard.result import TIME_BUDGET_EXCEEDED, Finding, GuardResult
from paramstack.guard.scanners import Scanner

_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|\n")
_MAX_STRIP_CHARS = 600  # a "sentence" longer than this is cut around the finding instead


class UntrustedChecks:
    def __init__(
        self,
        policy: UntrustedPolicy,
        injection: Scanner,
        pii: Sequence[Scanner],
        attack_checks: Sequence[Scanner],
        max_chars: int,
        time_budget_ms: float,
        fail_closed: bool,
    ) -> None:
        self._policy = policy
        self._injection = injection
        self._pii = tuple(pii)
        self._attack_checks = tuple(attack_checks)
        self._max_chars = max_chars
        self._budget_s = time_budget_ms / 1000
        self._fail_closed = fail_closed

    def check(self, text: str) -> GuardResult:
        if len(text) > self._max_chars:
            return GuardResult("block", None, [Finding("limits", "too_large", 0, len(text), 1.0)])
        started = time.perf_counter()
        findings = self._injection.scan(text, lazy_normalized(text))
        if time.perf_counter() - started > self._budget_s:
            return self._over_budget(findings, text, "allow", text)
        out = text
        action = "allow"
        if findings:
            if self._policy.action == "block":
                return GuardResult("block", None, findings)
            out = (
                _strip(text, findings, self._policy.strip_marker)
                if self._policy.action == "strip"
                else _annotate(text, findings, self._policy.annotation)
            )
            action = self._policy.action
        if self._policy.mask_pii and self._pii:
            if time.perf_counter() - started > self._budget_s:
                return self._over_budget(findings, out, action, text)
            masked, pii_findings = _mask(out, self._pii)
            if pii_findings:
                findings = findings + pii_findings
                out = masked
                action = action if action != "allow" else "mask"
        return GuardResult(action, out, findings)  # type: ignore[arg-type]

    def conversation(self, texts: Sequence[str]) -> GuardResult:
        parts = [t for t in texts if t]
        if len(parts) < 2:
            return GuardResult("allow", None, [])
        window = self._policy.conversation_window_chars
        started = time.perf_counter()
        findings: list[Finding] = []
        for joiner in (" ", ""):
            joined = joiner.join(parts)[-window:]
            for scanner in self._attack_checks:
                if time.perf_counter() - started > self._budget_s:
                    return self._over_budget(findings, None, "block" if findings else "allow", joined)
                findings.extend(scanner.scan(joined, lazy_normalized(joined)))
        if not findings:
            return GuardResult("allow", None, [])
        if not any(scanner.scan(part, lazy_normalized(part)) for part in parts for scanner in self._attack_checks):
            first = findings[0]
            findings.append(Finding(first.check, "split_payload", first.start, first.end, first.score))
        return GuardResult("block", None, findings)

    def _over_budget(self, findings: list[Finding], text: str | None, action: str, original: str) -> GuardResult:
        over = Finding("limits", TIME_BUDGET_EXCEEDED, 0, len(original), 1.0)
        if self._fail_closed:
            return GuardResult("block", None, [*findings, over])
        return GuardResult(action, text, [*findings, over])  # type: ignore[arg-type]


def _sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence or line around ``[start, end)``: what an injected instruction usually is. A full stop
    ends a sentence only before a space or the end ("evil@example.com" is one word)."""
    floor = max(0, start - _MAX_STRIP_CHARS)
    left = floor
    for match in _SENTENCE_END.finditer(text, floor, start):
        left = match.end()
    limit = min(len(text), end + _MAX_STRIP_CHARS)
    found = _SENTENCE_END.search(text, end, limit)
    right = found.end() if found else limit
    if right < len(text) and text[right - 1] != "\n":
        while right < len(text) and text[right] in " \t":
            right += 1
    while left < start and text[left] in " \t":
        left += 1
    return left, right


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _strip(text: str, findings: list[Finding], marker: str) -> str:
    spans = _merged([_sentence_span(text, f.start, f.end) for f in findings])
    pieces, position = [], 0
    for start, end in spans:
        pieces.append(text[position:start])
        newline = "\n" if text[start:end].endswith("\n") else " " if end < len(text) else ""
        pieces.append(marker + newline)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _annotate(text: str, findings: list[Finding], note: str) -> str:
    spans = _merged([_sentence_span(text, f.start, f.end) for f in findings])
    pieces, position = [note], 0
    for start, end in spans:
        pieces += [
            text[position:start],
            "<<untrusted-instruction>>",
            text[start:end].rstrip("\n"),
            "<</untrusted-instruction>>",
            "\n" if text[start:end].endswith("\n") else "",
        ]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _mask(text: str, scanners: Sequence[Scanner]) -> tuple[str, list[Finding]]:
    found = [f for scanner in scanners for f in scanner.scan(text, lazy_normalized(text))]
    if not found:
        return text, []
    replacements = {id(f): scanner.replacement(f) for scanner in scanners for f in found if f.check == scanner.check}
    pieces, position = [], 0
    for finding in sorted(found, key=lambda f: (f.start, -f.end)):
        if finding.start < position:
            continue
        pieces += [text[position : finding.start], replacements[id(finding)]]
        position = finding.end
    pieces.append(text[position:])
    return "".join(pieces), found
