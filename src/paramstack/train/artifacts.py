"""Writing trained artifacts the way the ecosystem reads them: save_pretrained directories, plots, reports.

Weights may be stored in bf16 to halve the shipped size, while ``config.json`` says float32: transformers
then loads (``dtype="auto"``) a float32 model, which generates faster and more exactly on CPU than bf16.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

SaveDtype = Literal["float32", "bfloat16"]
SAVE_DTYPES: tuple[SaveDtype, ...] = ("float32", "bfloat16")


def save_model(
    model: Any, tokenizer: Any, out_dir: Path, *, save_dtype: SaveDtype = "float32", tokenizer_dir: Path | None = None
) -> None:
    """``save_pretrained`` model + tokenizer into one directory so ``Auto*.from_pretrained(dir)`` just works."""
    import torch

    out_dir.mkdir(parents=True, exist_ok=True)
    stored = model.to(getattr(torch, save_dtype))
    stored.save_pretrained(str(out_dir), safe_serialization=True)
    model.to(torch.float32)
    config_path = out_dir / "config.json"
    config = json.loads(config_path.read_text())
    config["dtype"] = "float32"  # load as float32 whatever the storage dtype
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    tokenizer.save_pretrained(str(out_dir), save_jinja_files=False)  # template inside tokenizer_config.json
    if tokenizer_dir is not None and (tokenizer_dir / "tokenizer.model").is_file():
        shutil.copyfile(tokenizer_dir / "tokenizer.model", out_dir / "tokenizer.model")


def save_loss_curve(
    path: Path, train: Sequence[tuple[int, float]], heldout: Sequence[tuple[int, float]], title: str
) -> None:
    """A PNG of training (and held-out) loss by step, next to the artifact it describes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 3.6), dpi=90)
    if train:
        axes.plot(*zip(*train, strict=True), label="train", linewidth=1)
    if heldout:
        axes.plot(*zip(*heldout, strict=True), label="held-out", marker="o", linewidth=1.5)
    axes.set_xlabel("step")
    axes.set_ylabel("cross-entropy loss")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")


def directory_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
