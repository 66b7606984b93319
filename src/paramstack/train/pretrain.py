"""Pretrain a small Mistral-architecture base model from scratch on a paramstack corpus.

One readable loop (litgpt/nanoGPT spirit): random windows of the token stream, AdamW, warmup + cosine
decay, bf16 autocast on CPU (~1.5x faster than fp32 here), held-out loss at intervals, a time budget.
The learning-rate schedule follows whichever budget runs out first (steps or minutes), so a run cut
short by ``--minutes`` still ends with a decayed learning rate.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from paramstack.errors import InvalidRequest
from paramstack.train.artifacts import SaveDtype, directory_size, save_loss_curve, save_model, write_json

REPORT_FILE = "training_report.json"
LOSS_PLOT = "loss.png"


@dataclass
class PretrainConfig:
    """Model shape and training budget; every field is a ``paramstack pretrain`` flag."""

    hidden_size: int = 256
    layers: int = 4
    heads: int = 4
    kv_heads: int = 4
    intermediate_size: int = 688
    context_length: int = 256
    steps: int = 2000
    minutes: float | None = None  # wall-clock budget; training stops at whichever of steps/minutes comes first
    batch_size: int = 8
    lr: float = 3e-3
    warmup_steps: int = 50
    weight_decay: float = 0.1
    seed: int = 0
    eval_every: int = 200
    heldout_fraction: float = 0.05
    bf16: bool = True  # CPU autocast for the forward pass; master weights stay float32
    save_dtype: SaveDtype = "float32"
    threads: int | None = None  # CPU threads; None: the cores idle right now (see threads.py)

    def validate(self) -> None:
        positive = (
            "hidden_size",
            "layers",
            "heads",
            "kv_heads",
            "intermediate_size",
            "context_length",
            "steps",
            "batch_size",
            "eval_every",
        )
        for name in positive:
            if getattr(self, name) < 1:
                raise InvalidRequest(f"{name} must be at least 1", param=name)
        if self.hidden_size % self.heads or self.heads % self.kv_heads:
            raise InvalidRequest("hidden_size must divide by heads, and heads by kv_heads", param="heads")
        if not 0 < self.lr < 1:
            raise InvalidRequest("lr must be in (0, 1)", param="lr")
        if self.minutes is not None and self.minutes <= 0:
            raise InvalidRequest("minutes must be positive", param="minutes")


def build_model(config: PretrainConfig, tokenizer: Any) -> Any:
    """A randomly initialised MistralForCausalLM whose vocabulary and special ids come from ``tokenizer``."""
    import torch
    from transformers import MistralConfig, MistralForCausalLM

    torch.manual_seed(config.seed)
    model_config = MistralConfig(
        vocab_size=len(tokenizer),
        hidden_size=config.hidden_size,
        intermediate_size=config.intermediate_size,
        num_hidden_layers=config.layers,
        num_attention_heads=config.heads,
        num_key_value_heads=config.kv_heads,
        head_dim=config.hidden_size // config.heads,
        max_position_embeddings=config.context_length,
        sliding_window=None,
        tie_word_embeddings=True,  # at this size the embedding is a third of the model: share it
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    model = MistralForCausalLM(model_config)
    _set_stop_tokens(model, tokenizer)
    return model


def _set_stop_tokens(model: Any, tokenizer: Any) -> None:
    """Generation stops at ``<|end|>`` (end of turn, the tokenizer's eos) or ``</s>`` (end of a document)."""
    stops = [tokenizer.eos_token_id, tokenizer.convert_tokens_to_ids("</s>")]
    model.generation_config.eos_token_id = list(dict.fromkeys(stops))
    model.generation_config.bos_token_id = tokenizer.bos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id


def pretrain(
    corpus_dir: str | Path,
    tokenizer_dir: str | Path,
    out_dir: str | Path,
    config: PretrainConfig | None = None,
    *,
    progress: bool = True,
) -> dict[str, Any]:
    """Train a base model on ``corpus_dir`` and save it (with tokenizer, plot and report) into ``out_dir``."""
    from paramstack.train.corpus import corpus_digest, load_corpus, split_heldout
    from paramstack.train.tokenizer import load_tokenizer
    from paramstack.train.training_text import training_texts

    config = config or PretrainConfig()
    config.validate()
    tokenizer = load_tokenizer(tokenizer_dir)
    train_records, heldout_records = split_heldout(load_corpus(corpus_dir), config.heldout_fraction)
    result = train_causal_lm(
        training_texts(train_records), training_texts(heldout_records), tokenizer, config, progress=progress
    )
    out = Path(out_dir)
    save_model(result.pop("model"), tokenizer, out, save_dtype=config.save_dtype, tokenizer_dir=Path(tokenizer_dir))
    save_loss_curve(out / LOSS_PLOT, result.pop("train_curve"), result.pop("heldout_curve"), "pretraining")
    report = {
        **result,
        "config": asdict(config),
        "inputs": {
            "corpus": str(corpus_dir),
            "corpus_sha256": corpus_digest(corpus_dir),
            "tokenizer": str(tokenizer_dir),
        },
        "model_dir_bytes": directory_size(out),
    }
    write_json(out / REPORT_FILE, report)
    return report


def train_causal_lm(
    train_texts: list[str], heldout_texts: list[str], tokenizer: Any, config: PretrainConfig, *, progress: bool = True
) -> dict[str, Any]:
    """The training loop itself, on in-memory texts: returns the model, curves and figures."""
    import torch
    from tqdm.auto import tqdm

    from paramstack.train.lm_data import WindowSampler, eval_blocks, token_stream
    from paramstack.train.threads import configure_threads

    threads = configure_threads(config.threads)
    if not train_texts:
        raise InvalidRequest("nothing to train on: the corpus has no training documents")
    model = build_model(config, tokenizer)
    stream = token_stream(tokenizer, train_texts, seed=config.seed)
    sampler = WindowSampler(stream, config.context_length, seed=config.seed)
    heldout = eval_blocks(token_stream(tokenizer, heldout_texts, seed=config.seed), sampler.block_size)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=config.lr,
        betas=(0.9, 0.95),
    )
    budget_s = config.minutes * 60 if config.minutes else math.inf
    train_curve: list[tuple[int, float]] = []
    heldout_curve: list[tuple[int, float]] = []
    first_heldout = evaluate(model, heldout, config.bf16)
    if first_heldout is not None:
        heldout_curve.append((0, first_heldout))
    started = time.perf_counter()
    smoothed: float | None = None
    step = 0
    bar = tqdm(total=config.steps, desc="pretrain", unit="step", disable=not progress)
    model.train()
    while step < config.steps:
        elapsed = time.perf_counter() - started
        done = max(step / config.steps, elapsed / budget_s)
        if done >= 1:
            break
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(config.lr, step, config.warmup_steps, done)
        batch = sampler.batch(config.batch_size)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=config.bf16):
            loss = model(input_ids=batch, labels=batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        value = float(loss.detach())
        smoothed = value if smoothed is None else 0.9 * smoothed + 0.1 * value
        train_curve.append((step, value))
        bar.update(1)
        bar.set_postfix(loss=f"{smoothed:.3f}")
        if step % config.eval_every == 0 and (heldout_loss := evaluate(model, heldout, config.bf16)) is not None:
            heldout_curve.append((step, heldout_loss))
            model.train()
    bar.close()
    wall = time.perf_counter() - started
    final_heldout = evaluate(model, heldout, config.bf16)
    if final_heldout is not None and (not heldout_curve or heldout_curve[-1][0] != step):
        heldout_curve.append((step, final_heldout))
    model.eval()
    return {
        "model": model,
        "train_curve": train_curve,
        "heldout_curve": heldout_curve,
        "params": sum(p.numel() for p in model.parameters()),
        "steps": step,
        "tokens_seen": step * config.batch_size * sampler.block_size,
        "train_tokens": len(stream),
        "heldout_tokens": int(heldout.numel()),
        "wall_time_s": round(wall, 1),
        "threads": threads,
        "tokens_per_s": round(step * config.batch_size * sampler.block_size / max(wall, 1e-9)),
        "train_loss": round(smoothed, 4) if smoothed is not None else None,
        "heldout_loss_start": round(first_heldout, 4) if first_heldout is not None else None,
        "heldout_loss": round(final_heldout, 4) if final_heldout is not None else None,
    }


def learning_rate(peak: float, step: int, warmup_steps: int, done: float) -> float:
    """Linear warmup, then cosine decay to 10 % of the peak as ``done`` (0..1 of the budget) grows."""
    if step < warmup_steps:
        return peak * (step + 1) / warmup_steps
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(done, 1.0))))


def evaluate(model: Any, blocks: Any, bf16: bool, batch_size: int = 16) -> float | None:
    """Mean cross-entropy on fixed held-out blocks (None when there is no held-out text)."""
    import torch

    if blocks is None or len(blocks) == 0:
        return None
    model.eval()
    losses = []
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        for start in range(0, len(blocks), batch_size):
            chunk = blocks[start : start + batch_size]
            losses.append(float(model(input_ids=chunk, labels=chunk).loss) * len(chunk))
    return round(sum(losses) / len(blocks), 4)
