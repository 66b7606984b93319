"""Toxicity and hate speech, English and Turkish: a lexicon of regexes plus the trained classifier.

The lexicon (``guard/data/toxicity_lexicon.yaml``) has two levels: *strong* entries (threats, incitement,
dehumanising a group) score 0.95 on their own; *mild* ones (insults) are evidence of 0.6, combined with the
classifier's probability p as ``1 - 0.4 * (1 - p)``: insult words appear in plenty of benign requests
("my boss called me stupid, how do I answer?"), so alone they stay below the shipped threshold (0.7)
and the classifier, trained on such hard cases, tips the balance. Each finding carries its own score.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import yaml

from paramstack.errors import ConfigurationError
from paramstack.guard.classifier import NgramClassifier
from paramstack.guard.normalize import NormalizedText
from paramstack.guard.prefilter import Prefilter
from paramstack.guard.result import Finding
from paramstack.guard.scanners.fastmatch import Gate
from paramstack.guard.scanners.jailbreak import ClassifierCheckSettings, PatternClassifierScanner, enough_words

STRONG_SCORE = 0.95
# An insult word aimed at oneself ("I felt stupid", "kendimi aptal hissettim") is self-deprecation, not abuse.
_SELF_DIRECTED = re.compile(
    r"(?:\bkendimi|\bkendime|\bkendimden|\bi\W+(?:feel|felt|am|was|look|looked|sound|sounded)\W+(?:so\W+|really\W+|"
    r"very\W+|like\W+|such\W+)?(?:an?\W+)?|\bi'?m\W+(?:so\W+|such\W+|really\W+)?(?:an?\W+)?|\bmade\W+me\W+"
    r"(?:feel|look)\W+(?:so\W+|like\W+)?(?:an?\W+)?)\W*$"
)
MILD_SCORE = 0.6


def load_lexicon(path: Path) -> tuple[tuple[str, re.Pattern[str], Gate], ...]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        strong = re.compile("|".join(f"(?:{p})" for p in data["strong"]))
        mild = re.compile("|".join(f"(?:{p})" for p in data["mild"]))
    except (OSError, yaml.YAMLError, KeyError, TypeError, re.error) as error:
        raise ConfigurationError(f"toxicity lexicon {path}: {error}") from None
    return (("threat_or_hate", strong, Gate()), ("insult", mild, Gate()))


class ToxicityScanner(PatternClassifierScanner):
    """Same shape as the jailbreak check, except that lexicon levels carry their own scores."""

    def __init__(
        self,
        lexicon: tuple[tuple[str, re.Pattern[str], Gate], ...],
        settings: ClassifierCheckSettings,
        threshold: float,
        classifier: NgramClassifier | None,
        prefilter: Prefilter | None = None,
    ) -> None:
        super().__init__("toxicity", (), settings, threshold, classifier, "toxicity_classifier", prefilter)
        self._lexicon = self._prefilter.selection(lexicon if settings.patterns else ())

    def scan(self, text: str, normalized: Callable[[], NormalizedText]) -> list[Finding]:
        if not text:
            return []
        folded = normalized()
        probability, span = 0.0, (0, 0)
        if self._classifier is not None:
            window = self._classifier.score(folded.text, folded.shared)
            probability, span = window.probability, (window.start, window.end)
        findings: list[Finding] = []
        for kind, pattern, _ in self._lexicon.of(folded):
            match = next(
                (
                    m
                    for m in pattern.finditer(folded.text)
                    if kind != "insult" or not _SELF_DIRECTED.search(folded.text[max(0, m.start() - 32) : m.start()])
                ),
                None,
            )
            if not match:
                continue
            # An insult word is evidence, not proof: combine it with the classifier's judgement
            # (noisy-OR), so "shut up, idiot" blocks while "my boss called me stupid" passes.
            score = STRONG_SCORE if kind == "threat_or_hate" else 1 - (1 - MILD_SCORE) * (1 - probability)
            if score >= self._threshold:
                start, end = folded.to_original(*match.span())
                findings.append(Finding(self.check, kind, start, end, score))
        # Alone, the classifier decides only on texts long enough for it to judge (min_classifier_words);
        # as evidence next to an insult word it counts on any text ("Sus gerizekalı!").
        if probability >= self._threshold and enough_words(folded.text, self._min_words):
            start, end = folded.to_original(*span)
            findings.append(Finding(self.check, self._classifier_type, start, end, probability))
        return findings


def toxicity_scanner(
    settings: ClassifierCheckSettings,
    threshold: float,
    load: Callable[[Path], NgramClassifier],
    data_dir: Path,
    prefilter: Prefilter | None = None,
) -> ToxicityScanner:
    weights = Path(settings.weights) if settings.weights else data_dir / "toxicity.safetensors"
    classifier = load(weights) if settings.classifier else None
    return ToxicityScanner(load_lexicon(data_dir / "toxicity_lexicon.yaml"), settings, threshold, classifier, prefilter)
