"""``paramstack pretrain``: train a small Mistral-architecture base model from scratch on a corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from paramstack.cli.output import cli_errors, emit


def register(app: typer.Typer) -> None:
    app.command("pretrain", help="Pretrain a base model on a corpus with a paramstack tokenizer.")(pretrain)


def pretrain(
    corpus: Annotated[Path, typer.Option("--corpus", help="Corpus directory.")],
    tokenizer: Annotated[Path, typer.Option("--tokenizer", help="Tokenizer directory.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output model directory.")],
    hidden_size: Annotated[int, typer.Option(help="Hidden size.")] = 256,
    layers: Annotated[int, typer.Option(help="Transformer layers.")] = 4,
    heads: Annotated[int, typer.Option(help="Attention heads.")] = 4,
    kv_heads: Annotated[int, typer.Option(help="Key/value heads (grouped-query attention).")] = 4,
    intermediate_size: Annotated[int, typer.Option(help="MLP width.")] = 688,
    context_length: Annotated[int, typer.Option(help="Training context in tokens.")] = 256,
    steps: Annotated[int, typer.Option(help="Maximum optimizer steps.")] = 2000,
    minutes: Annotated[float | None, typer.Option(help="Wall-clock budget; stops at steps or minutes.")] = None,
    batch_size: Annotated[int, typer.Option(help="Sequences per step.")] = 8,
    lr: Annotated[float, typer.Option(help="Peak learning rate.")] = 3e-3,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    save_dtype: Annotated[str, typer.Option(help="float32 or bfloat16 weights on disk.")] = "float32",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Writes OUT (safetensors + tokenizer), OUT/loss.png and OUT/training_report.json."""
    from paramstack.errors import InvalidRequest
    from paramstack.train.artifacts import SAVE_DTYPES
    from paramstack.train.corpus import load_corpus
    from paramstack.train.pretrain import PretrainConfig
    from paramstack.train.pretrain import pretrain as run
    from paramstack.train.tokenizer import load_tokenizer

    with cli_errors():
        if save_dtype not in SAVE_DTYPES:
            raise InvalidRequest("--save-dtype must be float32 or bfloat16")
        config = PretrainConfig(
            hidden_size=hidden_size,
            layers=layers,
            heads=heads,
            kv_heads=kv_heads,
            intermediate_size=intermediate_size,
            context_length=context_length,
            steps=steps,
            minutes=minutes,
            batch_size=batch_size,
            lr=lr,
            seed=seed,
            save_dtype=save_dtype,
        )
        config.validate()
        load_corpus(corpus)
        load_tokenizer(tokenizer)
        report = run(corpus, tokenizer, out, config, progress=not as_json)
    emit({"out": str(out), **report}, as_json, _render)


def _render(data: dict[str, Any]) -> str:
    return (
        f"model: {data['out']} ({data['params']:,} params, {data['model_dir_bytes'] / 1e6:.1f} MB)\n"
        f"  {data['steps']} steps, {data['tokens_seen']:,} tokens in {data['wall_time_s']} s "
        f"({data['tokens_per_s']:,} tok/s)\n"
        f"  loss: train {data['train_loss']}, held-out {data['heldout_loss_start']} -> {data['heldout_loss']}"
    )
