"""Text -> unit-length float32 vectors: one ``Embedder`` protocol, backends chosen by ``rag.embedder``."""

from paramstack.rag.embedders.factory import build_embedder
from paramstack.rag.embedders.protocol import Embedder, Embeddings

__all__ = ["Embedder", "Embeddings", "build_embedder"]
