"""``paramstack dpo``: train a DPO LoRA adapter on a preference dataset (TRL + PEFT)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from paramstack.cli.output import cli_errors, emit


def register(app: typer.Typer) -> None:
    app.command("dpo", help="Train a DPO LoRA adapter on preference pairs (TRL DPOTrainer + PEFT).")(dpo)


def dpo(
    base_model: Annotated[Path, typer.Option(help="Base model directory (save_pretrained).")],
    dataset: Annotated[Path, typer.Option(help="Preference dataset: directory or .jsonl.")],
    output_dir: Annotated[Path, typer.Option(help="Where the adapter is written.")],
    epochs: Annotated[float, typer.Option(help="Passes over the training pairs.")] = 3.0,
    lora_r: Annotated[int, typer.Option(help="LoRA rank.")] = 16,
    lora_alpha: Annotated[int, typer.Option(help="LoRA alpha.")] = 32,
    lora_dropout: Annotated[float, typer.Option(help="LoRA dropout.")] = 0.0,
    beta: Annotated[float, typer.Option(help="DPO beta: how far from the base the adapter may move.")] = 0.1,
    rpo_alpha: Annotated[float, typer.Option(help="Weight of the NLL on chosen answers (RPO); 0 = plain DPO.")] = 0.0,
    lr: Annotated[float, typer.Option(help="Peak learning rate (LoRA-sized).")] = 5e-4,
    batch_size: Annotated[int, typer.Option(help="Pairs per step.")] = 4,
    max_length: Annotated[int, typer.Option(help="Prompt + answer tokens kept.")] = 256,
    heldout_fraction: Annotated[float, typer.Option(help="Share of prompts held out for evaluation.")] = 0.1,
    min_pairs: Annotated[int, typer.Option(help="Refuse datasets with fewer pairs.")] = 8,
    max_steps: Annotated[int, typer.Option(help="Cap on optimizer steps (-1: epochs decide).")] = -1,
    qlora: Annotated[bool, typer.Option("--qlora", help="4-bit base (needs a CUDA GPU + bitsandbytes).")] = False,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    base_name: Annotated[str | None, typer.Option(help="Recorded as base_model_name_or_path.")] = None,
    init_adapter: Annotated[
        Path | None,
        typer.Option(help="Continue training this adapter of the same base (iterative DPO; it is also the reference)."),
    ] = None,
    sign: Annotated[bool, typer.Option(help="Sign the adapter's manifest.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Writes OUTPUT_DIR: the PEFT adapter, loss.png (loss and margins), training_report.json, manifest."""
    from paramstack.train.dpo import DpoConfig, train_dpo

    with cli_errors():
        config = DpoConfig(
            base_model=base_model,
            dataset=dataset,
            output_dir=output_dir,
            epochs=epochs,
            lora_r=lora_r,
            lora_alpha=lora_alpha,
            lora_dropout=lora_dropout,
            beta=beta,
            rpo_alpha=rpo_alpha,
            lr=lr,
            batch_size=batch_size,
            max_length=max_length,
            heldout_fraction=heldout_fraction,
            min_pairs=min_pairs,
            max_steps=max_steps,
            qlora=qlora,
            seed=seed,
            base_model_name=base_name,
            init_adapter=init_adapter,
            sign=sign,
        )
        report = train_dpo(config, progress=not as_json)
    emit({"output_dir": str(output_dir), **report}, as_json, _render)


def _render(report: dict[str, Any]) -> str:
    heldout = report["heldout"]
    manifest = report.get("manifest") or {}
    lines = [
        f"adapter: {report['output_dir']} ({report['trainable_params']:,} trainable params, "
        f"{report['adapter_bytes'] / 1e6:.2f} MB)",
        f"  {report['train_pairs']} training pairs, {report['steps']} steps in {report['wall_time_s']} s; "
        f"loss {report['train_loss_start']} -> {report['train_loss_end']}",
    ]
    if heldout:
        lines.append(
            f"  held-out ({report['heldout_pairs']} pairs): reward accuracy "
            f"{heldout.get('rewards/accuracies')}, margin {heldout.get('rewards/margins')}"
        )
    lines += [f"  warning: {w}" for w in report["warnings"]]
    lines.append(
        f"  manifest sha256:{manifest['manifest_sha256']}"
        if manifest.get("signed")
        else f"  unsigned: {manifest.get('reason', '')}"
    )
    return "\n".join(lines)
