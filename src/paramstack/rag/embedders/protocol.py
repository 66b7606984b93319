"""The one interface every embedding backend implements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class Embeddings:
    vectors: np.ndarray  # (n, dims) float32, each row of length 1 (cosine similarity = dot product)
    tokens: int  # input tokens the model read (the usage /v1/embeddings reports)

    @property
    def dims(self) -> int:
        return int(self.vectors.shape[1])


class Embedder(Protocol):
    @property
    def name(self) -> str:
        """Stable model name: recorded with each collection, answered to by /v1/embeddings."""
        ...

    def embed(self, texts: Sequence[str]) -> Embeddings:
        """Blocking (run it in a worker thread from async code). Raises UpstreamError/ServiceUnavailable."""
        ...


def normalised(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        raise ValueError(f"expected a 2-d array of vectors, got shape {vectors.shape}")
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)
