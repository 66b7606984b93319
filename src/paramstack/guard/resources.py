"""Loaded-once artefacts shared by the guards of one registry: classifier weights, corpus indexes and the
pattern prefilter (one Hyperscan database over every shipped pattern, ``prefilter.py``).

A registry serving fifty tenants on three policies loads each classifier file and each corpus once.
The cache belongs to the ``Resources`` object (one per registry), never to the module.
"""

from __future__ import annotations

from pathlib import Path

from paramstack.errors import ConfigurationError
from paramstack.guard.classifier import NgramClassifier
from paramstack.guard.prefilter import Prefilter
from paramstack.guard.scanners.copyright import CorpusIndex
from paramstack.guard.scanners.injection_patterns import INJECTION_PATTERNS
from paramstack.guard.scanners.jailbreak_patterns import JAILBREAK_PATTERNS
from paramstack.guard.scanners.toxicity import load_lexicon

DATA_DIR = Path(__file__).parent / "data"


class Resources:
    def __init__(
        self, data_dir: Path = DATA_DIR, cache_dir: Path | None = None, *, pattern_prefilter: bool = True
    ) -> None:
        self.data_dir = data_dir
        self.cache_dir = cache_dir  # None: prefilter.default_cache_dir()
        self.pattern_prefilter = pattern_prefilter  # False: every pattern runs on every text (same verdicts)
        self._classifiers: dict[Path, NgramClassifier] = {}
        self._corpora: dict[tuple[Path, int], CorpusIndex] = {}
        self._prefilter: Prefilter | None = None

    def classifier(self, path: Path) -> NgramClassifier:
        key = path.resolve()
        if key not in self._classifiers:
            if not key.is_file():
                raise ConfigurationError(
                    f"classifier weights {path} not found (run `paramstack guard train` to make them)"
                )
            self._classifiers[key] = NgramClassifier.load(key)
        return self._classifiers[key]

    def corpus(self, path: Path, ngram: int) -> CorpusIndex:
        key = (path.resolve(), ngram)
        if key not in self._corpora:
            self._corpora[key] = CorpusIndex.build(path, ngram)
        return self._corpora[key]

    def prefilter(self) -> Prefilter:
        """The prefilter over the shipped jailbreak, injection and toxicity patterns (built on first use)."""
        if self._prefilter is None:
            lexicon = load_lexicon(self.data_dir / "toxicity_lexicon.yaml")
            patterns = [pattern for _, pattern, _ in (*JAILBREAK_PATTERNS, *INJECTION_PATTERNS, *lexicon)]
            self._prefilter = Prefilter(patterns if self.pattern_prefilter else (), self.cache_dir)
        return self._prefilter
