"""``paramstack sft``: LoRA supervised fine-tuning of a base model on a corpus's conversations (a tenant adapter)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from paramstack.cli.output import cli_errors, emit


def register(app: typer.Typer) -> None:
    app.command("sft", help="LoRA-fine-tune a base model on a corpus's conversations (PEFT adapter).")(sft)


def sft(
    base: Annotated[Path, typer.Option("--base", help="Base model directory (save_pretrained).")],
    corpus: Annotated[Path, typer.Option("--corpus", help="Corpus directory with chat or Q&A records.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output adapter directory.")],
    r: Annotated[int, typer.Option(help="LoRA rank.")] = 16,
    alpha: Annotated[int, typer.Option(help="LoRA alpha.")] = 32,
    steps: Annotated[int, typer.Option(help="Optimizer steps.")] = 200,
    minutes: Annotated[float | None, typer.Option(help="Wall-clock budget.")] = None,
    batch_size: Annotated[int, typer.Option(help="Conversations per step.")] = 8,
    lr: Annotated[float, typer.Option(help="Peak learning rate.")] = 1e-3,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    base_name: Annotated[str | None, typer.Option(help="Recorded as base_model_name_or_path.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Writes a PEFT adapter (adapter_config.json + adapter_model.safetensors), loss.png and training_report.json."""
    from paramstack.train.corpus import load_corpus
    from paramstack.train.sft import SftConfig, train_lora

    with cli_errors():
        config = SftConfig(
            r=r,
            alpha=alpha,
            steps=steps,
            minutes=minutes,
            batch_size=batch_size,
            lr=lr,
            seed=seed,
            base_model_name=base_name,
        )
        config.validate()
        load_corpus(corpus)
        report = train_lora(base, corpus, out, config, progress=not as_json)
    emit({"out": str(out), **report}, as_json, _render)


def _render(data: dict[str, Any]) -> str:
    return (
        f"adapter: {data['out']} ({data['trainable_params']:,} trainable params, "
        f"{data['adapter_bytes'] / 1e6:.2f} MB)\n"
        f"  {data['examples']} examples, {data['steps']} steps in {data['wall_time_s']} s, "
        f"loss {data['train_loss_start']} -> {data['train_loss']}"
    )
