"""Loading a base model directory and attaching or detaching LoRA adapters, with errors that name the path.

Everything here reads local directories only (``local_files_only``): serving never downloads from a hub.
Adapters are checked against the base BEFORE PEFT touches the model, so a bad adapter cannot leave
half-injected layers behind in a model that is serving other tenants.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from paramstack.errors import ArtifactError

ADAPTER_CONFIG = "adapter_config.json"
ADAPTER_WEIGHTS = ("adapter_model.safetensors", "adapter_model.bin")
# PeftModel saves keys as base_model.model.<path in the transformers model>.lora_A.weight
PEFT_KEY_PREFIX = "base_model.model."
# PEFT 0.21 (the newest) reads transformers 5's deprecated ``is_gradient_checkpointing`` property while wrapping a
# model, and transformers warns about that on every adapter attach: a FutureWarning about PEFT's code, not ours,
# that nothing here can act on. Ignored by its exact message only; drop this once PEFT reads
# ``is_activation_checkpointing``.
_PEFT_DEPRECATED_PROPERTY = r"`is_gradient_checkpointing` is deprecated"


def load_model(model_dir: Path, device: str) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """A causal LM in float32 eval mode and its tokenizer, from a ``save_pretrained`` directory."""
    if not model_dir.is_dir():
        raise ArtifactError(f"model directory {model_dir} does not exist")
    if not (model_dir / "config.json").is_file():
        raise ArtifactError(f"{model_dir} is not a model directory (no config.json)")
    try:
        tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    except Exception as error:  # transformers raises many types for one cause: a bad directory
        raise ArtifactError(f"cannot load the tokenizer in {model_dir}: {error}") from error
    try:
        with _progress_bars_off():  # a bar per load on a serving log is noise: loads are local and short
            # transformers types the return as the model alone; with output_loading_info it is a pair
            loaded: Any = AutoModelForCausalLM.from_pretrained(
                model_dir, local_files_only=True, dtype=torch.float32, output_loading_info=True
            )
            model, info = loaded
    except Exception as error:
        raise ArtifactError(f"cannot load the model in {model_dir}: {error}") from error
    # from_pretrained fills missing weights with random numbers and only warns: refuse instead.
    missing = sorted(info.get("missing_keys") or ())
    if missing:
        raise ArtifactError(f"model in {model_dir} lacks weights: {', '.join(missing[:5])}")
    model.to(device)
    model.eval()
    return model, tokenizer


def check_adapter(path: Path, base: PreTrainedModel) -> None:
    """Raise ``ArtifactError`` unless ``path`` holds a LoRA adapter whose shapes fit ``base``."""
    if not path.is_dir():
        raise ArtifactError(f"adapter directory {path} does not exist")
    config = _read_adapter_config(path)
    if str(config.get("peft_type", "")).upper() != "LORA":
        raise ArtifactError(f"adapter {path} is {config.get('peft_type')!r}; only LoRA adapters can be served")
    state = _read_adapter_weights(path)
    for key, tensor in state.items():
        if ".lora_" not in key:
            continue  # modules_to_save copies etc.: PEFT checks those when loading
        module_path, _, rest = key.partition(".lora_")
        module_path = module_path.removeprefix(PEFT_KEY_PREFIX)
        try:
            module = base.get_submodule(module_path)
        except AttributeError:
            raise ArtifactError(
                f"adapter {path} targets {module_path}, which the base model does not have "
                "(was it trained on another base?)"
            ) from None
        _check_shape(path, module_path, getattr(module, "base_layer", module), rest, tuple(tensor.shape))


def attach_adapter(model: Any, name: str, path: Path) -> Any:
    """Load adapter ``name``; returns the model to use from now on (a PeftModel after the first)."""
    from peft import PeftModel

    warnings.filterwarnings("ignore", message=_PEFT_DEPRECATED_PROPERTY, category=FutureWarning)
    try:
        if isinstance(model, PeftModel):
            model.load_adapter(str(path), adapter_name=name, is_trainable=False)
            return model
        return PeftModel.from_pretrained(model, str(path), adapter_name=name, is_trainable=False).eval()
    except Exception as error:
        if isinstance(model, PeftModel) and name in model.peft_config:
            model.delete_adapter(name)
        raise ArtifactError(f"cannot load adapter {path}: {error}") from error


def detach_adapter(model: Any, name: str) -> Any:
    """Remove adapter ``name``; returns the model to use from now on (the plain base after the last)."""
    if len(model.peft_config) == 1:
        # PEFT cannot run a PeftModel with zero adapters; unload() restores the untouched base layers.
        return model.unload()
    model.delete_adapter(name)
    return model


def base_of(model: Any) -> PreTrainedModel:
    """The transformers model under a PeftModel (its layers may be wrapped by LoRA layers)."""
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def _read_adapter_config(path: Path) -> dict[str, Any]:
    config_file = path / ADAPTER_CONFIG
    if not config_file.is_file():
        raise ArtifactError(f"{path} is not an adapter directory (no {ADAPTER_CONFIG})")
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ArtifactError(f"{config_file} is not valid JSON: {error}") from error
    if not isinstance(config, dict):
        raise ArtifactError(f"{config_file} is not a JSON object")
    return config


def _read_adapter_weights(path: Path) -> dict[str, torch.Tensor]:
    weights = next((path / f for f in ADAPTER_WEIGHTS if (path / f).is_file()), None)
    if weights is None:
        raise ArtifactError(f"adapter {path} has no weights ({' or '.join(ADAPTER_WEIGHTS)})")
    try:
        if weights.suffix == ".safetensors":
            from safetensors.torch import load_file

            return load_file(str(weights))
        return torch.load(weights, map_location="cpu", weights_only=True)
    except Exception as error:
        raise ArtifactError(f"cannot read adapter weights {weights}: {error}") from error


def _check_shape(path: Path, module_path: str, module: Any, rest: str, shape: tuple[int, ...]) -> None:
    """lora_A maps the module's input size to r, lora_B maps r to its output size."""
    if isinstance(module, torch.nn.Linear):
        expected = {"A": (1, module.in_features), "B": (0, module.out_features)}
    elif isinstance(module, torch.nn.Embedding):
        expected = {"embedding_A": (1, module.num_embeddings), "embedding_B": (0, module.embedding_dim)}
    else:
        return  # conv and other layer types: PEFT checks them when loading
    kind = rest.split(".", 1)[0]
    if kind not in expected or len(shape) != 2:
        return
    axis, size = expected[kind]
    if shape[axis] != size:
        raise ArtifactError(
            f"adapter {path} does not fit the base model: {module_path}.lora_{kind} has shape "
            f"{list(shape)}, the base layer needs {size} there (was it trained on another base?)"
        )


@contextmanager
def _progress_bars_off() -> Iterator[None]:
    """transformers' weight-loading progress bar off for one load, then back as it was."""
    from transformers.utils import logging as hf_logging

    was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_on:
            hf_logging.enable_progress_bar()
