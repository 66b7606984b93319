"""Verbatim reproduction of a tenant's protected texts, found with word n-gram fingerprints.

The corpus (a directory of .txt/.md files, or one file) is indexed once at policy load as the set of
hashes of every word ``ngram``-gram of its normalised text (so case, Turkish letters and look-alike
characters do not hide a copy). An output is split the same way; consecutive n-grams found in the
index form a *run* of reproduced words.

Score of a run: ``max(coverage, run_words / min_run_words)`` capped at 1, where ``coverage`` is the share
of the output's words inside any run. So with the shipped threshold 0.8 and ``min_run_words: 40``, one
32-word verbatim passage is flagged, and so is an output that is 80 % copied in shorter pieces.

The index lives in memory (Python ints in a set: roughly 70 bytes per corpus word); hashes use
Python's per-process ``hash``, which is fine because the index is rebuilt in each process.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from paramstack.errors import ConfigurationError
from paramstack.guard.normalize import NormalizedText, normalize
from paramstack.guard.result import Finding

_WORD = re.compile(r"\w+")
_CORPUS_SUFFIXES = (".txt", ".md")


class CopyrightSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    corpus: str  # directory or file; relative paths are relative to the policy file
    ngram: int = Field(8, ge=3, le=32)
    min_run_words: int = Field(40, ge=3, le=10_000)


class CorpusIndex:
    """The n-gram fingerprints of one protected corpus."""

    def __init__(self, fingerprints: frozenset[int], ngram: int, documents: int) -> None:
        self.fingerprints = fingerprints
        self.ngram = ngram
        self.documents = documents

    @classmethod
    def build(cls, path: Path, ngram: int) -> CorpusIndex:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix in _CORPUS_SUFFIXES and p.is_file())
        elif path.is_file():
            files = [path]
        else:
            raise ConfigurationError(f"copyright corpus {path} does not exist")
        fingerprints: set[int] = set()
        for file in files:
            words = _WORD.findall(normalize(file.read_text(encoding="utf-8", errors="replace")).text)
            fingerprints.update(hash(tuple(words[i : i + ngram])) for i in range(len(words) - ngram + 1))
        return cls(frozenset(fingerprints), ngram, len(files))


class CopyrightScanner:
    check = "copyright"

    def __init__(self, index: CorpusIndex, settings: CopyrightSettings, threshold: float) -> None:
        self._index = index
        self._ngram = settings.ngram
        self._min_run = settings.min_run_words
        self._threshold = threshold
        # Enough already-sent text for a stream to see a whole run (used by the streaming guard).
        self.context_chars = min(self._min_run * 16, 8192)

    def scan(self, text: str, normalized: Callable[[], NormalizedText]) -> list[Finding]:
        folded = normalized()
        words = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(folded.text)]
        n = self._ngram
        if len(words) < n:
            return []
        fingerprints = self._index.fingerprints
        tokens = [w for w, _, _ in words]
        hits = [hash(tuple(tokens[i : i + n])) in fingerprints for i in range(len(tokens) - n + 1)]
        runs: list[tuple[int, int]] = []  # word index ranges [first, last]
        i = 0
        while i < len(hits):
            if hits[i]:
                j = i
                while j + 1 < len(hits) and hits[j + 1]:
                    j += 1
                runs.append((i, j + n - 1))
                i = j + 1
            else:
                i += 1
        if not runs:
            return []
        coverage = sum(last - first + 1 for first, last in runs) / len(words)
        findings = []
        for first, last in runs:
            score = min(1.0, max(coverage, (last - first + 1) / self._min_run))
            if score >= self._threshold:
                start, end = folded.to_original(words[first][1], words[last][2])
                findings.append(Finding(self.check, "verbatim", start, end, score))
        return findings

    def replacement(self, finding: Finding) -> str:
        return "[REDACTED]"
