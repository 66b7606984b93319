"""Build the backend each configured model names (heavy backends are imported only when used)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from paramstack.engine.protocol import Engine
from paramstack.settings import ModelSettings


def build_engine(settings: ModelSettings, verify_artifact: Callable[[Path], object] | None = None) -> Engine:
    """``verify_artifact``: the check a local model and its adapters must pass to be served."""
    if settings.backend == "openai":
        from paramstack.engine.openai_upstream import OpenAIUpstreamEngine

        return OpenAIUpstreamEngine.from_settings(settings)
    if settings.backend == "anthropic":
        from paramstack.engine.anthropic_upstream import AnthropicUpstreamEngine

        return AnthropicUpstreamEngine.from_settings(settings)
    from paramstack.engine.local import LocalEngine

    return LocalEngine.from_settings(settings, verify_artifact)
