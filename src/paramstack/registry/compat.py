"""Does an adapter fit a base model? Checked from the safetensors headers alone (no torch, milliseconds).

A LoRA pair on module M is ``lora_A: [r, in]`` and ``lora_B: [out, r]``; the base's ``M.weight`` is
``[out, in]``. An adapter trained on another base either targets modules the base lacks or has the wrong
shapes: both are refused at registration with a message naming the module, instead of at serving time.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

from paramstack.errors import ArtifactError

ADAPTER_CONFIG = "adapter_config.json"
ADAPTER_WEIGHTS = "adapter_model.safetensors"
PEFT_PREFIX = "base_model.model."


def read_adapter_config(adapter_dir: Path) -> dict[str, Any]:
    path = adapter_dir / ADAPTER_CONFIG
    if not path.is_file():
        raise ArtifactError(f"{adapter_dir} is not an adapter directory (no {ADAPTER_CONFIG})")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ArtifactError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(config, dict) or str(config.get("peft_type", "")).upper() != "LORA":
        raise ArtifactError(f"{adapter_dir} is not a LoRA adapter (peft_type {config.get('peft_type')!r})")
    return config


def safetensors_shapes(path: Path) -> dict[str, tuple[int, ...]]:
    """Tensor name -> shape, from the file's JSON header."""
    try:
        with open(path, "rb") as handle:
            (length,) = struct.unpack("<Q", handle.read(8))
            if length > 100_000_000:
                raise ValueError("header too large")
            header = json.loads(handle.read(length))
    except (OSError, ValueError, struct.error) as error:
        raise ArtifactError(f"{path} is not a safetensors file ({error})") from None
    return {name: tuple(info["shape"]) for name, info in header.items() if name != "__metadata__"}


def base_shapes(model_dir: Path) -> dict[str, tuple[int, ...]]:
    index = model_dir / "model.safetensors.index.json"
    if index.is_file():
        files = sorted(set(json.loads(index.read_text())["weight_map"].values()))
    elif (model_dir / "model.safetensors").is_file():
        files = ["model.safetensors"]
    else:
        raise ArtifactError(f"{model_dir} has no safetensors weights to check the adapter against")
    shapes: dict[str, tuple[int, ...]] = {}
    for name in files:
        shapes.update(safetensors_shapes(model_dir / name))
    return shapes


def check_fits(adapter_dir: Path, model_dir: Path) -> None:
    """Raise ArtifactError naming the first module where the adapter does not fit the base."""
    read_adapter_config(adapter_dir)
    weights = adapter_dir / ADAPTER_WEIGHTS
    if not weights.is_file():
        raise ArtifactError(f"adapter {adapter_dir} has no {ADAPTER_WEIGHTS}")
    base = base_shapes(model_dir)
    for key, shape in sorted(safetensors_shapes(weights).items()):
        if ".lora_" not in key:
            continue
        module, _, rest = key.partition(".lora_")
        module = module.removeprefix(PEFT_PREFIX)
        target = base.get(f"{module}.weight")
        if target is None:
            raise ArtifactError(
                f"adapter {adapter_dir} targets {module}, which base {model_dir} does not have "
                "(was it trained on another base?)"
            )
        out_features, in_features = target[0], target[-1]
        expected = in_features if rest.startswith("A") else out_features
        actual = shape[-1] if rest.startswith("A") else shape[0]
        if actual != expected:
            side = "input" if rest.startswith("A") else "output"
            raise ArtifactError(
                f"adapter {adapter_dir} does not fit base {model_dir}: {module} has {side} size "
                f"{expected}, the adapter's lora_{rest.split('.')[0]} has {actual} "
                "(trained on another base?)"
            )
