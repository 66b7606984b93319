"""``rag.embedder`` settings -> an ``Embedder``."""

from __future__ import annotations

from paramstack.rag.embedders.local import BUILTIN_NAME, SentenceTransformerEmbedder, builtin_model_path
from paramstack.rag.embedders.protocol import Embedder
from paramstack.rag.embedders.remote import OpenAIEmbedder
from paramstack.rag.settings import EmbedderSettings


def build_embedder(settings: EmbedderSettings) -> Embedder:
    if settings.backend == "openai":
        assert settings.base_url and settings.model  # checked by the settings model
        api_key = settings.api_key.get_secret_value() if settings.api_key else None
        return OpenAIEmbedder(
            settings.base_url,
            settings.model,
            api_key=api_key,
            batch_size=settings.batch_size,
            timeout_s=settings.timeout_s,
            name=settings.name,
        )
    if settings.backend == "sentence-transformers":
        assert settings.path is not None
        return SentenceTransformerEmbedder(
            settings.path,
            name=settings.name or settings.path.name,
            batch_size=settings.batch_size,
            device=settings.device,
            threads=settings.threads,
        )
    return SentenceTransformerEmbedder(
        builtin_model_path(),
        name=settings.name or BUILTIN_NAME,
        batch_size=settings.batch_size,
        device=settings.device,
        threads=settings.threads,
    )
