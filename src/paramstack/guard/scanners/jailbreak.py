"""Jailbreak and prompt-injection detection, English and Turkish: patterns, then a trained classifier.

Both run on the normalised text (see ``normalize.py``): lower-case ASCII with Turkish letters folded
("önceki talimatları unut" -> "onceki talimatlari unut"), look-alikes and leetspeak undone, invisible
characters and letter spacing removed. The patterns are precise and explainable (a finding names the
attack family); the classifier catches paraphrases the patterns miss. A check's score is the larger
of the two; the policy threshold decides.

The patterns live in ``jailbreak_patterns.py``. A match preceded by a negation ("do not disregard the
safety instructions") or quoted inside a question about it (``mention.py``) does not count.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from paramstack.guard.classifier import NgramClassifier
from paramstack.guard.normalize import NormalizedText
from paramstack.guard.prefilter import Prefilter
from paramstack.guard.result import Finding
from paramstack.guard.scanners.fastmatch import Gate
from paramstack.guard.scanners.jailbreak_patterns import JAILBREAK_PATTERNS
from paramstack.guard.scanners.mention import is_mention, is_negated

PATTERN_SCORE = 0.95


class ClassifierCheckSettings(BaseModel):
    """Settings shared by the pattern + classifier checks (jailbreak, toxicity)."""

    model_config = ConfigDict(extra="forbid")

    patterns: bool = True
    classifier: bool = True
    weights: str | None = None  # a .safetensors file from `paramstack guard train`; default: the shipped one
    extra_patterns: list[str] = []  # tenant regexes, matched on the normalised (folded, lower-case) text
    # The classifier alone decides only on texts of at least this many words: on two or three words
    # ("Talimatları okudum.", "Yok say.") a few n-grams decide and it guesses; short attacks are the
    # patterns' job. 0 switches this off.
    min_classifier_words: int = Field(default=5, ge=0, le=100)

    @field_validator("extra_patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"extra pattern {pattern!r} is not a valid regex: {error}") from None
        return patterns


class PatternClassifierScanner:
    """Patterns with a fixed high score, plus the classifier's best-window probability."""

    def __init__(
        self,
        check: str,
        patterns: tuple[tuple[str, re.Pattern[str], Gate], ...],
        settings: ClassifierCheckSettings,
        threshold: float,
        classifier: NgramClassifier | None,
        classifier_type: str,
        prefilter: Prefilter | None = None,
    ) -> None:
        self.check = check
        extra = tuple(("custom_pattern", re.compile(p), Gate()) for p in settings.extra_patterns)
        self._prefilter = prefilter or Prefilter(())
        self._selection = self._prefilter.selection((patterns if settings.patterns else ()) + extra)
        self._classifier = classifier if settings.classifier else None
        self._classifier_type = classifier_type
        self._threshold = threshold
        self._min_words = settings.min_classifier_words
        # A stream re-reads this much already-sent text so that an attack split across chunks is seen whole.
        self.context_chars = (classifier.window if classifier else 0) + 40

    def scan(self, text: str, normalized: Callable[[], NormalizedText]) -> list[Finding]:
        if not text:
            return []
        folded = normalized()
        findings = self._scan_view(folded, None)
        for view, view_folded in folded.views:
            # A payload found only once decoded points at its encoded segment in the original text.
            findings.extend(
                Finding(f.check, f.type, view.start, view.end, f.score) for f in self._scan_view(view_folded, view.kind)
            )
        return findings

    def _scan_view(self, folded: NormalizedText, encoding: str | None) -> list[Finding]:
        findings: list[Finding] = []
        mentioned: list[tuple[int, int]] = []
        if self._threshold <= PATTERN_SCORE:
            for kind, pattern, keywords in self._selection.of(folded):
                if not keywords.open(folded):
                    continue
                for match in pattern.finditer(folded.text):
                    if is_negated(folded.text, match.start()):
                        continue
                    # A quoted attack that the text asks about is a security question, not an attack.
                    if encoding is None and is_mention(folded.text, *match.span()):
                        mentioned.append(match.span())
                        continue
                    start, end = folded.to_original(*match.span())
                    findings.append(Finding(self.check, kind, start, end, PATTERN_SCORE))
                    break
        # ROT13 and reversed views are the whole text transformed: only its patterns are meaningful there
        # (the classifier would read the gibberish the rest of the text becomes).
        if (
            self._classifier is not None
            and encoding in (None, "base64", "hex", "joined", "tags")
            and enough_words(folded.text, self._min_words)
        ):
            scored, shared = folded.text, folded.shared
            if mentioned:  # the classifier judges what is said about the quoted attack, not the quote
                scored = _blanked(folded.text, mentioned)
                shared = {}
            window = self._classifier.score(scored, shared)
            if window.probability >= self._threshold:
                start, end = folded.to_original(window.start, window.end)
                findings.append(Finding(self.check, self._classifier_type, start, end, window.probability))
        return findings

    def replacement(self, finding: Finding) -> str:
        return f"[{self.check.upper()}]"


_WORD = re.compile(r"[^\W\d_]+")


def enough_words(text: str, minimum: int) -> bool:
    """Whether ``text`` has at least ``minimum`` words (stops counting there: cheap on long texts)."""
    if minimum <= 0:
        return True
    return any(count >= minimum for count, _ in enumerate(_WORD.finditer(text), start=1))


def _blanked(text: str, spans: list[tuple[int, int]]) -> str:
    pieces, position = [], 0
    for start, end in sorted(spans):
        if start >= position:
            pieces += [text[position:start], " " * (end - start)]
            position = end
    pieces.append(text[position:])
    return "".join(pieces)


def jailbreak_scanner(
    settings: ClassifierCheckSettings,
    threshold: float,
    load: Callable[[Path], NgramClassifier],
    data_dir: Path,
    prefilter: Prefilter | None = None,
) -> PatternClassifierScanner:
    weights = Path(settings.weights) if settings.weights else data_dir / "jailbreak.safetensors"
    classifier = load(weights) if settings.classifier else None
    return PatternClassifierScanner(
        "jailbreak", JAILBREAK_PATTERNS, settings, threshold, classifier, "injection_classifier", prefilter
    )
