"""Exact and near-duplicate detection for corpus documents.

Exact duplicates are caught by a hash of the case- and whitespace-folded text. Near duplicates (a copy with
a changed date, a re-posted paragraph) by MinHash over word 5-gram shingles with an LSH index, so the cost
stays linear in the corpus size instead of comparing every pair.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from paramstack.train.textnorm import words

SHINGLE_WORDS = 5
NUM_PERM = 128


def content_hash(text: str) -> str:
    """SHA-256 of the text with case and whitespace folded (the identity used for exact duplicates)."""
    folded = " ".join(words(text)) or text.strip()
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    tokens = words(text)
    if len(tokens) <= size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


@dataclass
class Deduplicator:
    """Streams documents; ``check`` says whether one is new, an exact or a near duplicate of an earlier one."""

    near_threshold: float = 0.8
    _seen: set[str] = field(default_factory=set)
    _lsh: Any = None
    _count: int = 0

    def __post_init__(self) -> None:
        from datasketch import MinHashLSH

        if not 0.0 < self.near_threshold <= 1.0:
            raise ValueError("near_threshold must be in (0, 1]")
        self._lsh = MinHashLSH(threshold=self.near_threshold, num_perm=NUM_PERM)

    def check(self, text: str) -> str:
        """Return "new", "exact" or "near"; remember new documents."""
        from datasketch import MinHash

        digest = content_hash(text)
        if digest in self._seen:
            return "exact"
        self._seen.add(digest)
        grams = shingles(text)
        if not grams:  # nothing to compare by meaning (digits, symbols): exact identity only
            return "new"
        minhash = MinHash(num_perm=NUM_PERM)
        minhash.update_batch([g.encode("utf-8") for g in grams])
        if self._lsh.query(minhash):
            return "near"
        self._lsh.insert(str(self._count), minhash)
        self._count += 1
        return "new"
