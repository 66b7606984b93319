"""``paramstack build-default-model``: rebuild the embedded paramstack-tiny model and its demo adapters."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from paramstack.cli.output import cli_errors, emit


def register(app: typer.Typer) -> None:
    app.command("build-default-model", help="Rebuild paramstack-tiny and its demo adapters from the shipped corpus.")(
        build_default_model
    )


def build_default_model(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output root (default: package assets).")] = None,
    steps: Annotated[int | None, typer.Option(help="Pretraining steps (default: the shipped recipe).")] = None,
    adapter_steps: Annotated[int | None, typer.Option(help="LoRA steps per adapter.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """corpus -> tokenizer -> pretrain -> 3 LoRA adapters; writes OUT/paramstack-tiny and OUT/adapters/*."""
    from paramstack.assets import ASSETS_DIR
    from paramstack.train.default_model import DefaultModelConfig
    from paramstack.train.default_model import build_default_model as build

    config = DefaultModelConfig().with_steps(steps, adapter_steps)
    with cli_errors():
        report = build(out or ASSETS_DIR, config, progress=not as_json)
    emit(report, as_json, _render)


def _render(data: dict[str, Any]) -> str:
    sizes = data["sizes_bytes"]
    lines = [
        f"{data['model']}: {data['pretrain']['params']:,} params, built in {data['build_time_s']} s",
        f"  held-out loss {data['pretrain']['heldout_loss_start']} -> {data['pretrain']['heldout_loss']}",
        f"  sizes: model {sizes['model'] / 1e6:.1f} MB, total {sizes['total'] / 1e6:.1f} MB",
    ]
    lines += [
        f"  adapter {name}: loss {a['train_loss_start']} -> {a['train_loss']}" for name, a in data["adapters"].items()
    ]
    return "\n".join(lines)
