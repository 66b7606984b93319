"""``paramstack tokenizer train``: a SentencePiece tokenizer exported as a Hugging Face tokenizer directory."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from paramstack.cli.output import cli_errors, emit

app = typer.Typer(no_args_is_help=True, help="Train tokenizers.")


class ModelType(StrEnum):
    bpe = "bpe"
    unigram = "unigram"


@app.command("train")
def train(
    corpus: Annotated[Path, typer.Option("--corpus", help="A corpus directory from `paramstack corpus build`.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output tokenizer directory.")],
    vocab_size: Annotated[int, typer.Option("--vocab-size", help="Vocabulary size.")] = 8000,
    model_type: Annotated[ModelType, typer.Option("--model-type", help="bpe or unigram.")] = ModelType.bpe,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Train on the corpus's training split; report fertility (tokens/word) on its held-out tr/en documents."""
    from paramstack.train.corpus import load_corpus
    from paramstack.train.tokenizer import tokenizer_report, train_tokenizer

    with cli_errors():
        load_corpus(corpus)  # a clear error before any training starts
        train_tokenizer(corpus, out, vocab_size=vocab_size, model_type=model_type.value)
        report = tokenizer_report(out, corpus)
    emit(report, as_json, _render)


def _render(data: dict[str, Any]) -> str:
    fert = ", ".join(f"{lang} {value}" for lang, value in data["fertility"].items())
    return (
        f"tokenizer: {data['tokenizer_dir']} ({data['model_type']}, {data['vocab_size']} pieces)\n"
        f"  eos {data['eos_token']} = {data['eos_token_id']}, chat tags {data['special_token_ids']}\n"
        f"  fertility (tokens/word, held-out): {fert or 'no held-out text'}"
    )
