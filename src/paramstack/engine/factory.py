"""Build the backend each configured model names (heavy backends are imported only when used)."""

from __future__ import annotations

from paramstack.engine.protocol import Engine
from paramstack.settings import ModelSettings


def build_engine(settings: ModelSettings) -> Engine:
    if settings.backend == "openai":
        from paramstack.engine.openai_upstream import OpenAIUpstreamEngine

        return OpenAIUpstreamEngine.from_settings(settings)
    from paramstack.engine.local import LocalEngine

    return LocalEngine.from_settings(settings)
