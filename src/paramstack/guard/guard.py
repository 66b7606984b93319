"""The guard: a validated policy turned into scanners, and the one place where actions are applied.

``Guard.validate(text, direction)`` runs every check of the policy that applies to the direction, in
policy order, and returns a ``GuardResult``: ``block`` (text None) as soon as a block-action check
fires; otherwise the text with every ``mask`` finding replaced (``[EMAIL]``, ``[TCKN]``...) and any
``append`` disclaimer added. ``log`` findings are reported and change nothing.
"""

from __future__ import annotations

import time
from pathlib import Path

from paramstack.errors import ContentBlocked
from paramstack.guard.locate import find_policy, policy_resolver
from paramstack.guard.normalize import lazy_normalized
from paramstack.guard.policy import CheckSpec, Policy, load_policy
from paramstack.guard.resources import Resources
from paramstack.guard.result import (
    ACTION_STRENGTH,
    TIME_BUDGET_EXCEEDED,
    Action,
    Direction,
    Evaluation,
    Finding,
    GuardResult,
)
from paramstack.guard.scanners import CHECK_TYPES, BuildContext, Scanner
from paramstack.guard.scanners.disclaimer import DisclaimerScanner
from paramstack.guard.scanners.injection import InjectionSettings, injection_scanner
from paramstack.guard.streaming import OutputStream
from paramstack.guard.untrusted import UntrustedChecks

_DIRECTIONS: tuple[Direction, ...] = ("input", "output")


class Guard:
    def __init__(self, policy: Policy, resources: Resources | None = None) -> None:
        resources = resources or Resources()
        self.policy = policy
        built: list[tuple[CheckSpec, Scanner]] = []
        for spec in policy.checks:
            context = BuildContext(spec.base_dir, resources)
            built.append((spec, CHECK_TYPES[spec.check].build(spec.settings, spec.threshold, context)))
        # Disclaimers run last: a response that a later check blocks should not report an appended one.
        built.sort(key=lambda pair: pair[0].action == "append")
        self._checks = {d: tuple((s, c) for s, c in built if s.applies(d)) for d in _DIRECTIONS}
        self._untrusted = self._untrusted_checks(policy, built, resources)
        # How much already-sent text a stream must re-read for a check to see a finding whole.
        self.context_chars: dict[str, int] = {
            d: max((getattr(c, "context_chars", 0) for _, c in self._checks[d]), default=0) for d in _DIRECTIONS
        }

    @staticmethod
    def _untrusted_checks(
        policy: Policy, built: list[tuple[CheckSpec, Scanner]], resources: Resources
    ) -> UntrustedChecks:
        own = next((spec for spec, _ in built if spec.check == "injection"), None)
        # Untrusted text is always read with the direct-attack patterns too (an override inside a document is an
        # injection), whatever the input check says (there the jailbreak check already runs them).
        base = own.settings if own is not None and isinstance(own.settings, InjectionSettings) else InjectionSettings()
        settings = base.model_copy(update={"jailbreak_patterns": True})
        context = BuildContext(own.base_dir if own is not None else policy.source.parent, resources)
        resolved = (
            settings.model_copy(update={"weights": str(context.path(settings.weights))})
            if settings.weights
            else settings
        )
        injection = injection_scanner(
            resolved,
            policy.untrusted.threshold,
            resources.classifier,
            mention_aware=False,
            prefilter=resources.prefilter(),
        )
        pii = [scanner for spec, scanner in built if spec.check == "pii" and spec.action == "mask"]
        attacks = [
            scanner
            for spec, scanner in built
            if spec.check in ("jailbreak", "injection") and spec.action == "block" and spec.applies("input")
        ]
        return UntrustedChecks(
            policy.untrusted,
            injection,
            pii,
            attacks,
            policy.max_chars,
            policy.time_budget_ms,
            policy.on_time_budget == "block",
        )

    def check_untrusted(self, text: str) -> GuardResult:
        """The policy's verdict on untrusted text (tool result, document, retrieved chunk): blocked, or the
        text to pass on (injected instructions stripped or annotated, per ``untrusted.action``)."""
        return self._untrusted.check(text)

    def check_conversation(self, texts: list[str]) -> GuardResult:
        """The input attack checks over the joined conversation window: a block when the joined text is an
        attack (with a ``split_payload`` finding when no part alone was one)."""
        return self._untrusted.conversation(texts)

    @classmethod
    def from_yaml(cls, path: str | Path, resources: Resources | None = None) -> Guard:
        return cls(load_policy(Path(path), policy_resolver(None)), resources)

    @classmethod
    def from_policy_name(
        cls, name: str, policy_dir: str | Path | None = None, resources: Resources | None = None
    ) -> Guard:
        directory = Path(policy_dir) if policy_dir is not None else None
        return cls(load_policy(find_policy(name, directory), policy_resolver(directory)), resources)

    @property
    def name(self) -> str:
        return self.policy.name

    @property
    def max_chars(self) -> int:
        return self.policy.max_chars

    def validate(self, text: str, direction: Direction = "input") -> GuardResult:
        evaluation = self.evaluate(text, direction)
        return GuardResult(evaluation.action, evaluation.text, evaluation.findings)

    def enforce(self, text: str, direction: Direction = "input") -> GuardResult:
        """``validate``, raising ``ContentBlocked`` (HTTP 400 at the edge) when the policy blocks."""
        result = self.validate(text, direction)
        if result.blocked:
            raise self.blocked_error(result.findings, direction)
        return result

    def stream(self, direction: Direction = "output", **options: int) -> OutputStream:
        return OutputStream(self, direction, **options)

    def blocked_error(self, findings: list[Finding], direction: str) -> ContentBlocked:
        reasons = sorted({f"{f.check} ({f.type})" for f in findings if self._action_of(f) == "block"})
        what = "request" if direction == "input" else "response"
        return ContentBlocked(f"the {what} was blocked by guard policy '{self.name}': {', '.join(reasons)}")

    def _action_of(self, finding: Finding) -> str:
        if finding.check == "limits":
            return "block"
        if finding.check == "injection" and self.policy.untrusted.action == "block":
            return "block"  # check_untrusted blocks with the policy's untrusted action
        for checks in self._checks.values():
            for spec, _ in checks:
                if spec.check == finding.check:
                    return spec.action
        return "log"

    def disclaimers(self, direction: Direction) -> list[DisclaimerScanner]:
        return [
            scanner
            for spec, scanner in self._checks[direction]
            if isinstance(scanner, DisclaimerScanner) and spec.action == "append"
        ]

    def evaluate(
        self, text: str, direction: Direction = "input", *, new_from: int = 0, with_disclaimers: bool = True
    ) -> Evaluation:
        """Run the checks on ``text``; only findings reaching into ``text[new_from:]`` count, and only that
        part is returned (a stream passes already-sent text before ``new_from`` as context)."""
        if direction not in _DIRECTIONS:
            raise ValueError(f"direction must be 'input' or 'output', not {direction!r}")
        if len(text) > self.policy.max_chars:
            too_large = Finding("limits", "too_large", 0, len(text), 1.0)
            return Evaluation("block", None, [too_large], too_large)
        normalized = lazy_normalized(text)
        findings: list[Finding] = []
        masks: list[tuple[Finding, str]] = []
        appendix: list[str] = []
        deadline = time.perf_counter() + self.policy.time_budget_ms / 1000
        for spec, scanner in self._checks[direction]:
            if spec.action == "append" and not with_disclaimers:
                continue
            if time.perf_counter() > deadline:
                # Every scanner is linear in the text, so this is a loaded machine or a hostile input near
                # max_chars. Fail closed unless the policy says otherwise; either way it is counted.
                over = Finding("limits", TIME_BUDGET_EXCEEDED, 0, len(text), 1.0)
                findings.append(over)
                if self.policy.on_time_budget == "block":
                    return Evaluation("block", None, findings, over)
                break
            found = [f for f in scanner.scan(text, normalized) if f.end > new_from or f.start >= new_from]
            if not found:
                continue
            findings.extend(found)
            if spec.action == "block":
                return Evaluation("block", None, findings, found[0])
            if spec.action == "mask":
                masks.extend((f, scanner.replacement(f)) for f in found)
            elif spec.action == "append":
                appendix.extend(scanner.replacement(f) for f in found)
        action: Action = "allow"
        out = text[new_from:]
        if masks:
            out = _apply_masks(text, masks, new_from)
            action = "mask"
        if appendix:
            out += "".join(appendix)
            action = action if ACTION_STRENGTH[action] > ACTION_STRENGTH["append"] else "append"
        return Evaluation(action, out, findings)


def _apply_masks(text: str, masks: list[tuple[Finding, str]], new_from: int) -> str:
    """Replace each masked span (clipped to ``text[new_from:]``); of overlapping spans the earliest wins."""
    pieces: list[str] = []
    position = new_from
    for finding, replacement in sorted(masks, key=lambda m: (m[0].start, -m[0].end)):
        start = max(finding.start, new_from)
        if start < position:  # overlaps a span already replaced
            position = max(position, finding.end)
            continue
        pieces.append(text[position:start])
        pieces.append(replacement)
        position = finding.end
    pieces.append(text[position:])
    return "".join(pieces)
