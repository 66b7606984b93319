"""``paramstack corpus build``: sources -> a cleaned, deduplicated corpus directory (corpus.jsonl + stats.json)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from paramstack.cli.output import cli_errors, emit

app = typer.Typer(no_args_is_help=True, help="Build training corpora.")


@app.command("build")
def build(
    sources: Annotated[list[str], typer.Argument(help="Files or directories (.txt .md .jsonl), or hf:NAME[:SPLIT].")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")],
    pii_scrub: Annotated[bool, typer.Option("--pii-scrub", help="Mask e-mails, phones, TCKN and IBAN.")] = False,
    near_threshold: Annotated[float, typer.Option(help="MinHash Jaccard threshold for near duplicates.")] = 0.8,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Normalise, deduplicate (exact + near), tag language and write OUT/corpus.jsonl and OUT/stats.json."""
    from paramstack.errors import InvalidRequest
    from paramstack.train.corpus import build_corpus

    with cli_errors():
        if not 0 < near_threshold <= 1:
            raise InvalidRequest("--near-threshold must be in (0, 1]")
        stats = build_corpus(sources, out, pii_scrub=pii_scrub, near_threshold=near_threshold)
    data = {"out": str(out), **asdict(stats)}
    emit(data, as_json, _render)


def _render(data: dict[str, Any]) -> str:
    langs = ", ".join(f"{k} {v}" for k, v in sorted(data["languages"].items()))
    return (
        f"corpus: {data['out']}\n"
        f"  docs {data['docs']} ({langs}), {data['tokens']:,} words, {data['chars']:,} chars\n"
        f"  removed: {data['exact_duplicates_removed']} exact, {data['near_duplicates_removed']} near duplicates, "
        f"{data['empty_removed']} empty\n"
        f"  pii replaced: {data['pii_replacements'] or 'none'}"
    )
