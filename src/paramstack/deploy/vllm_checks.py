"""Checks of a vLLM launch that need the file system: adapter ranks, the draft model's vocabulary, TP.

Each check runs only where the files are local (a hub id cannot be read offline); what cannot be checked
is said as a warning, never silently passed. Errors are collected and raised together, so one run of
``paramstack deploy vllm`` shows everything that is wrong.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from paramstack.deploy.vllm_config import VllmSettings
from paramstack.errors import ConfigurationError


def check_launch(settings: VllmSettings) -> list[str]:
    """Raise ``ConfigurationError`` naming every problem; return the warnings."""
    errors: list[str] = []
    warnings: list[str] = []
    _check_adapter_ranks(settings, errors)
    _check_tensor_parallel(settings, errors)
    if settings.speculative is not None and settings.speculative.method == "draft_model":
        _check_draft_vocab(settings.model, settings.speculative.model or "", errors, warnings)
    if settings.kv_cache_dtype.startswith("fp8") and not settings.calculate_kv_scales:
        warnings.append(
            f"kv_cache_dtype {settings.kv_cache_dtype}: without scales calibrated into the checkpoint (e.g. by "
            "llm-compressor) vLLM uses scale 1.0 for K and V, which can cost accuracy; calibrate, or set "
            "calculate_kv_scales: true for a one-off estimate at start-up"
        )
    if settings.lora.enabled and settings.lora.runtime_updates:
        warnings.append(
            "runtime LoRA updating is on (VLLM_ALLOW_RUNTIME_LORA_UPDATING=True): anyone who can reach "
            "the vLLM port can load adapters; keep it on a private network and set VLLM_API_KEY"
        )
    if errors:
        raise ConfigurationError("invalid vLLM launch: " + "; ".join(errors))
    return warnings


def _check_adapter_ranks(settings: VllmSettings, errors: list[str]) -> None:
    if not settings.lora.enabled:
        if settings.lora.modules:
            errors.append("lora.modules are listed but lora.enabled is false")
        return
    for module in settings.lora.modules:
        config = _read_json(Path(module.path) / "adapter_config.json")
        if config is None:
            continue  # a path on the serving machine only: vLLM checks it there
        rank = max([int(config.get("r", 0)), *(int(r) for r in (config.get("rank_pattern") or {}).values())])
        if rank > settings.lora.max_lora_rank:
            errors.append(
                f"adapter {module.name!r} has rank {rank}, above max_lora_rank "
                f"{settings.lora.max_lora_rank}: raise max_lora_rank or retrain with a smaller r"
            )


def _check_tensor_parallel(settings: VllmSettings, errors: list[str]) -> None:
    config = _model_config(settings.model)
    heads = config.get("num_attention_heads") if config else None
    if heads and heads % settings.tensor_parallel_size:
        errors.append(
            f"tensor_parallel_size {settings.tensor_parallel_size} does not divide the model's {heads} attention heads"
        )


def _check_draft_vocab(target: str, draft: str, errors: list[str], warnings: list[str]) -> None:
    target_config, draft_config = _model_config(target), _model_config(draft)
    if target_config is None or draft_config is None:
        warnings.append(
            f"cannot check that draft model {draft!r} shares the vocabulary of {target!r} "
            "(both need a local config.json); vLLM only compares vocabulary sizes"
        )
        return
    target_size, draft_size = _vocab_size(target_config), _vocab_size(draft_config)
    if target_size != draft_size:
        errors.append(
            f"draft model {draft!r} has vocab_size {draft_size} but the target {target!r} has "
            f"{target_size}: speculative decoding needs the same vocabulary (use method 'ngram' or "
            "a draft of the target's family)"
        )
        return
    target_vocab, draft_vocab = _token_table(Path(target)), _token_table(Path(draft))
    if target_vocab is None or draft_vocab is None:
        warnings.append(f"vocab sizes match ({target_size}) but no local tokenizer.json to compare the tokens")
        return
    differing = [i for i in range(min(len(target_vocab), len(draft_vocab))) if target_vocab[i] != draft_vocab[i]]
    if differing or len(target_vocab) != len(draft_vocab):
        first = differing[0] if differing else min(len(target_vocab), len(draft_vocab))
        errors.append(
            f"draft model {draft!r} has the same vocab_size ({target_size}) but a different tokenizer: "
            f"{len(differing)} token ids differ (first: id {first}); its guesses would almost never "
            "be accepted"
        )


def _model_config(model: str) -> dict[str, Any] | None:
    return _read_json(Path(model) / "config.json")


def _vocab_size(config: dict[str, Any]) -> int | None:
    if "vocab_size" in config:
        return int(config["vocab_size"])
    text = config.get("text_config") or {}
    return int(text["vocab_size"]) if "vocab_size" in text else None


def _token_table(model_dir: Path) -> list[str] | None:
    """Token strings by id from tokenizer.json (BPE/WordPiece dict or Unigram list), added tokens included."""
    data = _read_json(model_dir / "tokenizer.json")
    if data is None:
        return None
    vocab = (data.get("model") or {}).get("vocab")
    by_id: dict[int, str] = {}
    if isinstance(vocab, dict):
        by_id = {int(i): t for t, i in vocab.items()}
    elif isinstance(vocab, list):
        by_id = {i: entry[0] if isinstance(entry, list) else str(entry) for i, entry in enumerate(vocab)}
    for added in data.get("added_tokens") or []:
        by_id[int(added["id"])] = added["content"]
    return [by_id.get(i, "") for i in range(max(by_id) + 1)] if by_id else None


def _read_json(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigurationError(f"cannot read {path}: {error}") from None
    return data if isinstance(data, dict) else None
