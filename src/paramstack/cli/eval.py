"""``paramstack eval``: pairwise win-rate of a candidate adapter against a baseline, both orders, with a CI."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from paramstack.cli.output import cli_errors, emit


def register(app: typer.Typer) -> None:
    app.command("eval", help="Pairwise win-rate of --candidate against --baseline, judged in both orders.")(evaluate)


def evaluate(
    candidate: Annotated[str, typer.Option(help="Adapter directory or name; a model id with openai:.")],
    prompts: Annotated[Path, typer.Option(help="Held-out prompts JSONL.")],
    baseline: Annotated[str, typer.Option(help="'base' (no adapter), an adapter directory or name.")] = "base",
    model: Annotated[
        str | None,
        typer.Option(
            help="Base model directory, configured model name, or "
            "openai:BASE_URL#MODEL (default: the first configured model)."
        ),
    ] = None,
    judge: Annotated[str, typer.Option(help="offline | openai:BASE_URL#MODEL | anthropic:MODEL.")] = "offline",
    max_tokens: Annotated[int, typer.Option(help="Longest answer, in tokens.")] = 96,
    temperature: Annotated[float, typer.Option(help="0 = greedy.")] = 0.0,
    concurrency: Annotated[int, typer.Option(help="Prompts in flight at once.")] = 8,
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples for the interval.")] = 2000,
    judge_retries: Annotated[int, typer.Option(help="Retries of a malformed judge reply.")] = 2,
    seed: Annotated[int, typer.Option(help="Seed (sampling and bootstrap).")] = 0,
    output: Annotated[Path | None, typer.Option(help="Write the report here (+ .details.jsonl).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Both answers for every prompt, judged candidate-first and baseline-first; a tie counts half."""
    from paramstack.settings import load_settings
    from paramstack.train.evaluate import EvalConfig, run_eval

    with cli_errors():
        settings = load_settings()
        config = EvalConfig(
            prompts=prompts,
            model=model or settings.models[0].name,
            candidate=candidate,
            baseline=baseline,
            judge=judge,
            max_tokens=max_tokens,
            temperature=temperature,
            concurrency=concurrency,
            bootstrap=bootstrap,
            judge_retries=judge_retries,
            seed=seed,
            output=output,
        )
        report = run_eval(config, settings=settings, progress=not as_json)
    emit(report, as_json, _render)


def _render(report: dict[str, Any]) -> str:
    low, high = report["ci95"]
    lines = [
        f"{report['candidate']} vs {report['baseline']} ({report['judge']}): win-rate "
        f"{report['win_rate']:.1%} [95% CI {low:.1%}-{high:.1%}] over {report['judged_prompts']} prompts",
        f"  {report['wins']} wins, {report['ties']} ties, {report['losses']} losses of {report['judgements']} "
        f"judgements; position consistency {report['position_consistency']:.0%}",
    ]
    for side in ("candidate", "baseline"):
        measures = report["measures"][side]
        lines.append(f"  {side:<9} " + ", ".join(f"{k} {v:.2f}" for k, v in measures.items()))
    if report["failed"]:
        lines.append(f"  {len(report['failed'])} prompts failed: {report['failed'][0]['reason']}")
    return "\n".join(lines)
