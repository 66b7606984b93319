"""How a transformers model's forward wants its KV cache and logits options (they changed across versions)."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ForwardStyle:
    cache_name: str  # transformers 5.2x renamed past_key_values to cache
    logits_to_keep: bool


def forward_style(model: Any) -> ForwardStyle:
    parameters = inspect.signature(model.forward).parameters
    return ForwardStyle(
        cache_name="cache" if "cache" in parameters else "past_key_values",
        logits_to_keep="logits_to_keep" in parameters,
    )
