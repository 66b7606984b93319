"""The picture next to a DPO adapter: loss and reward margin by step, training and held-out."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def metric_series(history: list[dict[str, Any]], key: str) -> list[tuple[int, float]]:
    """(step, value) of one metric from the trainer's log history (training logs, not the summary row)."""
    return [
        (int(row["step"]), float(row[key]))
        for row in history
        if key in row and "step" in row and "train_runtime" not in row
    ]


def save_dpo_plot(path: Path, history: list[dict[str, Any]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (loss_axes, margin_axes) = plt.subplots(1, 2, figsize=(10, 3.6), dpi=90)
    for axes, key, label in ((loss_axes, "loss", "DPO loss"), (margin_axes, "rewards/margins", "reward margin")):
        train = metric_series(history, key)
        heldout = metric_series(history, f"eval_{key}")
        if train:
            axes.plot(*zip(*train, strict=True), label="train", linewidth=1)
        if heldout:
            axes.plot(*zip(*heldout, strict=True), label="held-out", marker="o", linewidth=1.5)
        axes.set_xlabel("step")
        axes.set_title(label)
        axes.grid(alpha=0.3)
        axes.legend()
    accuracy = metric_series(history, "eval_rewards/accuracies")
    if accuracy:
        margin_axes.annotate(
            f"held-out reward accuracy {accuracy[-1][1]:.2f}", xy=(0.02, 0.02), xycoords="axes fraction", fontsize=8
        )
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
