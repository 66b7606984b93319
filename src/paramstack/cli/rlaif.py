"""``paramstack rlaif``: preference data from the tenant's model and a judge; import/export for human review.

    paramstack rlaif --create-demo [--prompts demo_prompts.jsonl]
    paramstack rlaif --prompts P.jsonl --output prefs/ --num-responses 4 --temperatures 0.3,0.5,0.7,0.9 \
                     --model M [--adapter A] --judge offline|openai:BASE_URL#MODEL|anthropic:MODEL
    paramstack rlaif import prefs/ --dataset NAME        # pairs into the labelling page (/label/)
    paramstack rlaif export --output human.jsonl [--dataset NAME]   # the human-checked pairs, for DPO

Exit codes: 0 done; 1 finished with prompts recorded as failed (rerun to retry them); 2 bad input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from paramstack.cli.output import cli_errors, emit, fail

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
FAILED_EXIT_CODE = 1

app = typer.Typer(invoke_without_command=True, help=__doc__.split("\n\n")[0] if __doc__ else None)


@app.callback()
def rlaif(
    ctx: typer.Context,
    create_demo: Annotated[
        bool,
        typer.Option(
            "--create-demo",
            help="Write bilingual demo prompts (and a held-out set beside them) to --prompts, then stop.",
        ),
    ] = False,
    prompts: Annotated[Path | None, typer.Option(help='Prompts JSONL: {"prompt", "id"?, "reference"?}.')] = None,
    output: Annotated[Path | None, typer.Option(help="Dataset directory (signed) or .jsonl file.")] = None,
    model: Annotated[
        str | None,
        typer.Option(
            help="Model directory, configured model name, or "
            "openai:BASE_URL#MODEL (default: the first configured model)."
        ),
    ] = None,
    adapter: Annotated[str | None, typer.Option(help="Adapter directory or name (local models).")] = None,
    judge: Annotated[str, typer.Option(help="offline | openai:BASE_URL#MODEL | anthropic:MODEL.")] = "offline",
    num_responses: Annotated[int, typer.Option(help="Candidates per prompt.")] = 4,
    temperatures: Annotated[str, typer.Option(help="Comma-separated, cycled over the candidates.")] = "0.3,0.5,0.7,0.9",
    max_tokens: Annotated[int, typer.Option(help="Longest candidate, in tokens.")] = 96,
    margin: Annotated[float, typer.Option(help="Skip pairs whose overall scores differ by less.")] = 0.5,
    pairs: Annotated[
        str, typer.Option(help="best-worst: one pair per prompt; all: every pair at least --margin apart.")
    ] = "best-worst",
    concurrency: Annotated[int, typer.Option(help="Prompts in flight at once.")] = 8,
    judge_retries: Annotated[int, typer.Option(help="Retries of a malformed or failed judge reply.")] = 2,
    judge_timeout: Annotated[float, typer.Option(help="Seconds per judge call.")] = 60.0,
    judge_max_tokens: Annotated[int, typer.Option(help="Longest verdict an LLM judge may write.")] = 512,
    judge_price_in: Annotated[int, typer.Option(help="Judge price, micro-units per 1K input tokens.")] = 0,
    judge_price_out: Annotated[int, typer.Option(help="Judge price, micro-units per 1K output tokens.")] = 0,
    retry_failed: Annotated[bool, typer.Option(help="Ask again for prompts that failed in an earlier run.")] = True,
    overwrite: Annotated[bool, typer.Option(help="Start afresh instead of resuming.")] = False,
    limit: Annotated[int | None, typer.Option(help="Only the first N prompts.")] = None,
    seed: Annotated[int, typer.Option(help="Sampling seed.")] = 0,
    sign: Annotated[bool, typer.Option(help="Sign the dataset directory's manifest.")] = True,
    as_json: JsonFlag = False,
) -> None:
    """Sample candidates, judge them, and write preference pairs (resumable; rerun to continue)."""
    if ctx.invoked_subcommand is not None:
        return
    if create_demo:
        _create_demo(prompts or Path("demo_prompts.jsonl"), as_json)
        return
    if prompts is None or output is None:
        fail("give --prompts and --output (or --create-demo); see `paramstack rlaif --help`")
    from paramstack.settings import load_settings
    from paramstack.train.rlaif import RlaifConfig, run_rlaif

    with cli_errors():
        settings = load_settings()
        config = RlaifConfig(
            prompts=prompts,
            output=output,
            model=model or settings.models[0].name,
            adapter=adapter,
            judge=judge,
            num_responses=num_responses,
            temperatures=_temperatures(temperatures),
            max_tokens=max_tokens,
            margin=margin,
            pairs=pairs,
            concurrency=concurrency,
            judge_retries=judge_retries,
            judge_timeout_s=judge_timeout,
            judge_max_tokens=judge_max_tokens,
            judge_price_in=judge_price_in,
            judge_price_out=judge_price_out,
            retry_failed=retry_failed,
            overwrite=overwrite,
            limit=limit,
            seed=seed,
            sign=sign,
        )
        report = run_rlaif(config, settings=settings, progress=not as_json)
    emit(report, as_json, _render)
    if report["failed"]:
        raise typer.Exit(FAILED_EXIT_CODE)


@app.command("import")
def import_pairs(
    dataset_path: Annotated[Path, typer.Argument(help="Preference dataset (directory or .jsonl).")],
    dataset: Annotated[str | None, typer.Option(help="Name on the labelling page (default: file/dir name).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Load preference pairs into the database for review on the labelling page (/label/)."""
    from paramstack.cli.context import CliContext
    from paramstack.train.labels import LabelStore
    from paramstack.train.preference_data import read_pairs

    with cli_errors():
        name = dataset or dataset_path.stem
        counts = LabelStore(CliContext.load().database).import_pairs(name, read_pairs(dataset_path))
    emit(
        {"dataset": name, **counts},
        as_json,
        lambda r: f"{r['dataset']}: {r['added']} pairs added, {r['already_there']} already there",
    )


@app.command("export")
def export(
    output: Annotated[Path, typer.Option(help="Where to write the human-checked pairs (.jsonl).")],
    dataset: Annotated[str | None, typer.Option(help="Only this dataset (default: all).")] = None,
    include_unlabelled: Annotated[bool, typer.Option(help="Also write pairs nobody labelled yet.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Write the labelled pairs for DPO: kept, swapped and edited; rejected ones left out."""
    from paramstack.cli.context import CliContext
    from paramstack.train.labels import LabelStore

    with cli_errors():
        counts = LabelStore(CliContext.load().database).export(
            output, dataset=dataset, include_unlabelled=include_unlabelled
        )
    emit(
        {"output": str(output), **counts},
        as_json,
        lambda r: (
            f"wrote {r['written']} pairs to {r['output']} (keep {r['keep']}, swap {r['swap']}, "
            f"edit {r['edit']}, rejected {r['reject']}, unlabelled {r['unlabelled']})"
        ),
    )


def _create_demo(path: Path, as_json: bool) -> None:
    from paramstack.train.demo_prompts import write_demo_prompts

    with cli_errors():
        train, heldout = write_demo_prompts(path)
    emit(
        {"prompts": str(train), "heldout": str(heldout)},
        as_json,
        lambda r: f"demo prompts: {r['prompts']}\nheld-out prompts: {r['heldout']}",
    )


def _temperatures(text: str) -> tuple[float, ...]:
    from paramstack.errors import InvalidRequest

    try:
        return tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise InvalidRequest(f"--temperatures {text!r}: expected numbers separated by commas") from None


def _render(report: dict[str, Any]) -> str:
    usage = report["judge_usage_total"]
    lines = [
        f"{report['output']}: {report['pairs']} pairs, {report['skipped']} skipped, {report['failed']} failed "
        f"of {report['prompts']} prompts ({report['wall_time_s']} s)",
        f"judge {report['judge']}: {usage.get('calls', 0)} calls, {usage.get('retries', 0)} retries, "
        f"{usage.get('prompt_tokens', 0)}+{usage.get('completion_tokens', 0)} tokens, "
        f"cost {usage.get('cost_micros', 0)} micro-units",
    ]
    manifest = report.get("manifest") or {}
    lines.append(
        f"manifest sha256:{manifest['manifest_sha256']}"
        if manifest.get("signed")
        else f"unsigned: {manifest.get('reason', '')}"
    )
    for failure in report["failed_prompts"][:5]:
        lines.append(f"failed {failure['prompt_id']}: {failure['reason']}")
    if report["failed"]:
        lines.append("rerun the same command to retry the failed prompts")
    return "\n".join(lines)
