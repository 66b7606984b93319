"""Loaded-once artefacts shared by the guards of one registry: classifier weights and corpus indexes.

A registry serving fifty tenants on three policies loads each classifier file and each corpus once.
The cache belongs to the ``Resources`` object (one per registry), never to the module.
"""

from __future__ import annotations

from pathlib import Path

from paramstack.errors import ConfigurationError
from paramstack.guard.classifier import NgramClassifier
from paramstack.guard.scanners.copyright import CorpusIndex

DATA_DIR = Path(__file__).parent / "data"


class Resources:
    def __init__(self, data_dir: Path = DATA_DIR) -> None:
        self.data_dir = data_dir
        self._classifiers: dict[Path, NgramClassifier] = {}
        self._corpora: dict[tuple[Path, int], CorpusIndex] = {}

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
