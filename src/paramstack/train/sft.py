"""Supervised LoRA fine-tuning (PEFT) of a base model on a corpus's conversations: a tenant's adapter.

The loss covers only the assistant's answer (prompt tokens are masked), so the adapter learns how this
tenant answers, not how its users ask. LoRA on every linear layer of the blocks; the base stays frozen and
shared, which is what lets one process serve many tenants from one base (engine/local.py).
Preference training (DPO) is a separate workflow in ``dpo.py``.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from paramstack.chat_format import render_chat
from paramstack.errors import ArtifactError, InvalidRequest
from paramstack.train.artifacts import directory_size, save_loss_curve, write_json

REPORT_FILE = "training_report.json"
IGNORE = -100


@dataclass
class SftConfig:
    """LoRA shape and training budget of one supervised fine-tune."""

    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    lr: float = 1e-3
    steps: int = 200
    minutes: float | None = None
    batch_size: int = 8
    max_length: int = 256
    warmup_steps: int = 10
    seed: int = 0
    bf16: bool = True
    base_model_name: str | None = None  # recorded as base_model_name_or_path; default: the base directory
    threads: int | None = None  # CPU threads; None: the cores idle right now (see threads.py)

    def validate(self) -> None:
        for name in ("r", "alpha", "steps", "batch_size", "max_length"):
            if getattr(self, name) < 1:
                raise InvalidRequest(f"{name} must be at least 1", param=name)
        if not 0 < self.lr < 1:
            raise InvalidRequest("lr must be in (0, 1)", param="lr")


def chat_examples(records: list[Any], tokenizer: Any, max_length: int) -> list[tuple[list[int], list[int]]]:
    """(input_ids, labels) for every conversation; labels are IGNORE except on the last assistant turn.

    The full conversation is tokenized once and the prompt length measured on the same ids, so the answer's
    tokens are exactly the ones serving produces after ``<|assistant|>\\n`` (tokenizing the answer alone
    would add a leading word-boundary piece that serving never sees).
    """
    from paramstack.train.training_text import conversations

    examples = []
    for record in records:
        for messages in conversations(record):
            if messages[-1]["role"] != "assistant":
                continue
            prompt = tokenizer.bos_token + render_chat(messages[:-1], add_generation_prompt=True)
            full = prompt + messages[-1]["content"] + "<|end|>\n"
            prompt_ids = tokenizer.encode(prompt, add_special_tokens=False)
            ids = tokenizer.encode(full, add_special_tokens=False)[:max_length]
            if ids[: len(prompt_ids)] != prompt_ids or len(ids) <= len(prompt_ids):
                continue  # the prompt alone fills the context: nothing left to learn from
            labels = [IGNORE] * len(prompt_ids) + ids[len(prompt_ids) :]
            examples.append((ids, labels))
    return examples


def _collate(examples: list[tuple[list[int], list[int]]], pad_id: int) -> dict[str, Any]:
    import torch

    width = max(len(ids) for ids, _ in examples)
    input_ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    for row, (ids, labs) in enumerate(examples):
        input_ids[row, : len(ids)] = torch.tensor(ids)
        labels[row, : len(labs)] = torch.tensor(labs)
        mask[row, : len(ids)] = 1
    return {"input_ids": input_ids, "labels": labels, "attention_mask": mask}


def load_base(base_dir: str | Path) -> tuple[Any, Any]:
    """(model in float32, tokenizer) from a save_pretrained directory, with a clear error if it is not one."""
    import torch
    from transformers import AutoModelForCausalLM

    from paramstack.train.tokenizer import load_tokenizer

    path = Path(base_dir)
    if not (path / "config.json").is_file():
        raise ArtifactError(f"{path} is not a model directory (no config.json)")
    model = AutoModelForCausalLM.from_pretrained(str(path), dtype=torch.float32)
    return model, load_tokenizer(path)


def train_lora(
    base_dir: str | Path,
    corpus_dir: str | Path,
    out_dir: str | Path,
    config: SftConfig | None = None,
    *,
    progress: bool = True,
) -> dict[str, Any]:
    """LoRA-fine-tune ``base_dir`` on the conversations of ``corpus_dir``; save a PEFT adapter to ``out_dir``."""
    import torch
    from peft import LoraConfig, get_peft_model
    from tqdm.auto import tqdm

    from paramstack.train.corpus import corpus_digest, load_corpus
    from paramstack.train.threads import configure_threads

    config = config or SftConfig()
    config.validate()
    threads = configure_threads(config.threads)
    model, tokenizer = load_base(base_dir)
    examples = chat_examples(load_corpus(corpus_dir), tokenizer, config.max_length)
    if not examples:
        raise InvalidRequest(f"{corpus_dir} has no conversations (chat or question/answer records) to fine-tune on")
    torch.manual_seed(config.seed)
    lora = LoraConfig(
        r=config.r,
        lora_alpha=config.alpha,
        lora_dropout=config.dropout,
        target_modules="all-linear",
        task_type="CAUSAL_LM",
    )
    model = get_peft_model(model, lora)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=config.lr, weight_decay=0.0)
    rng = random.Random(config.seed)
    budget_s = config.minutes * 60 if config.minutes else math.inf
    curve: list[tuple[int, float]] = []
    started = time.perf_counter()
    model.train()
    step = 0
    for step in tqdm(range(1, config.steps + 1), desc="sft", unit="step", disable=not progress):
        done = max((step - 1) / config.steps, (time.perf_counter() - started) / budget_s)
        if done >= 1:
            step -= 1
            break
        warm = min(1.0, step / max(1, config.warmup_steps))
        for group in optimizer.param_groups:
            group["lr"] = config.lr * warm * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * done)))
        batch = _collate(rng.sample(examples, min(config.batch_size, len(examples))), tokenizer.pad_token_id)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=config.bf16):
            loss = model(**batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        curve.append((step, float(loss.detach())))
    wall = time.perf_counter() - started
    model.eval()
    out = Path(out_dir)
    model.save_pretrained(str(out))
    _record_base(out, config.base_model_name or str(base_dir))
    save_loss_curve(out / "loss.png", curve, [], "LoRA SFT")
    report = {
        "base": str(base_dir),
        "base_model_name_or_path": config.base_model_name or str(base_dir),
        "corpus": str(corpus_dir),
        "corpus_sha256": corpus_digest(corpus_dir),
        "examples": len(examples),
        "trainable_params": trainable,
        "steps": step,
        "wall_time_s": round(wall, 1),
        "threads": threads,
        "train_loss_start": round(curve[0][1], 4) if curve else None,
        "train_loss": _tail_mean(curve),
        "config": asdict(config),
    }
    report["adapter_bytes"] = directory_size(out)
    write_json(out / REPORT_FILE, report)
    return report


def _tail_mean(curve: list[tuple[int, float]], last: int = 10) -> float | None:
    """Mean loss of the last steps: the figure to compare with the first step's loss."""
    tail = [value for _, value in curve[-last:]]
    return round(sum(tail) / len(tail), 4) if tail else None


def _record_base(adapter_dir: Path, base_name: str) -> None:
    """Name the base the adapter belongs to (vLLM and PEFT read ``base_model_name_or_path``)."""
    import json

    path = adapter_dir / "adapter_config.json"
    config = json.loads(path.read_text())
    config["base_model_name_or_path"] = base_name
    path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
