"""Is the new adapter better? Pairwise win-rate against a baseline on held-out prompts, judged in both orders.

Every prompt is judged twice, candidate first and baseline first: an LLM judge that prefers whichever
answer it reads first then scores exactly 50 %, instead of flattering whichever side happened to be first.
A tie counts half. The confidence interval is a bootstrap over PROMPTS (the two judgements of one prompt
are not independent). Beside the verdicts, plain measures of the texts (length, repetition, similarity to
the references) and a few examples are reported: a win-rate alone cannot show reward hacking.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from paramstack.errors import InvalidRequest, ParamstackError
from paramstack.train.artifacts import write_json
from paramstack.train.candidates import CandidateSource, EngineCandidates, OpenAICandidates
from paramstack.train.judges import Judge, JudgeOptions, build_judge, signals
from paramstack.train.preference_data import PromptRecord, append_jsonl, load_prompts

BASE = "base"


@dataclass
class EvalConfig:
    """One pairwise evaluation; every field is a ``paramstack eval`` flag."""

    prompts: Path
    model: str  # base model directory, configured model name, or openai:BASE_URL#MODEL
    candidate: str  # adapter directory/name (local) or model id (openai); "base" = no adapter
    baseline: str = BASE
    judge: str = "offline"
    max_tokens: int = 96
    temperature: float = 0.0  # greedy: compare what each policy answers most, not sampling noise
    concurrency: int = 8
    bootstrap: int = 2000
    judge_retries: int = 2
    seed: int = 0
    output: Path | None = None  # a JSON report, plus <stem>.details.jsonl with every answer and verdict
    examples: int = 4

    def validate(self) -> None:
        if self.candidate == self.baseline:
            raise InvalidRequest("--candidate and --baseline are the same", param="candidate")
        if self.max_tokens < 1 or self.concurrency < 1 or self.bootstrap < 100:
            raise InvalidRequest("--max-tokens and --concurrency must be >= 1, --bootstrap >= 100")


def run_eval(config: EvalConfig, *, settings: Any = None, progress: bool = True) -> dict[str, Any]:
    return asyncio.run(_run(config, settings, progress))


async def _run(config: EvalConfig, settings: Any, progress: bool) -> dict[str, Any]:
    from tqdm.auto import tqdm

    config.validate()
    records = load_prompts(config.prompts)
    judge = build_judge(config.judge, JudgeOptions(retries=config.judge_retries))
    sources = await _sources(config, settings)
    details_path = config.output.with_name(config.output.stem + ".details.jsonl") if config.output else None
    if details_path is not None:
        details_path.parent.mkdir(parents=True, exist_ok=True)
        details_path.unlink(missing_ok=True)
    gate = asyncio.Semaphore(config.concurrency)
    started = time.perf_counter()

    async def one(record: PromptRecord) -> dict[str, Any]:
        async with gate:
            return await _judge_prompt(config, record, sources, judge)

    rows: list[dict[str, Any]] = []
    try:
        tasks = [asyncio.create_task(one(r)) for r in records]
        for done in tqdm(asyncio.as_completed(tasks), total=len(tasks), desc="eval", disable=not progress):
            row = await done
            rows.append(row)
            if details_path is not None:
                append_jsonl(details_path, row)
    finally:
        for source in {id(s): s for s in sources.values()}.values():
            await source.aclose()
        await judge.aclose()
    report = summarise(rows, config, judge, time.perf_counter() - started)
    if config.output is not None:
        report["details"] = str(details_path)
        write_json(config.output, report)
    return report


async def _judge_prompt(
    config: EvalConfig, record: PromptRecord, sources: dict[str, CandidateSource], judge: Judge
) -> dict[str, Any]:
    row: dict[str, Any] = {"prompt_id": record.prompt_id, "prompt": record.prompt}
    try:
        candidate, baseline = await asyncio.gather(
            *(
                sources[side].generate(
                    record, temperature=config.temperature, max_tokens=config.max_tokens, seed=config.seed
                )
                for side in ("candidate", "baseline")
            )
        )
        row.update(candidate=candidate, baseline=baseline)
        # Both orders; "first" in the first call and "second" in the second are both candidate wins.
        forward, backward = await asyncio.gather(
            judge.compare(record, candidate, baseline), judge.compare(record, baseline, candidate)
        )
    except ParamstackError as error:
        row["failed"] = error.message
        return row
    points = {"first": 1.0, "tie": 0.5, "second": 0.0}
    row["candidate_first"] = forward.winner
    row["baseline_first"] = backward.winner
    row["score"] = (points[forward.winner] + 1.0 - points[backward.winner]) / 2
    row["consistent"] = points[forward.winner] == 1.0 - points[backward.winner]
    row["measures"] = {
        side: _measures(text, record) for side, text in (("candidate", candidate), ("baseline", baseline))
    }
    return row


def summarise(rows: list[dict[str, Any]], config: EvalConfig, judge: Judge, wall_s: float) -> dict[str, Any]:
    judged = sorted((r for r in rows if "score" in r), key=lambda r: r["prompt_id"])
    failed = [{"prompt_id": r["prompt_id"], "reason": r["failed"]} for r in rows if "failed" in r]
    if not judged:
        raise InvalidRequest(
            f"no prompt could be judged ({len(failed)} failed): {failed[0]['reason'] if failed else 'no prompts'}"
        )
    scores = [r["score"] for r in judged]
    verdicts = [v for r in judged for v in (r["candidate_first"], _flip(r["baseline_first"]))]
    low, high = bootstrap_interval(scores, config.bootstrap, config.seed)
    return {
        "candidate": config.candidate,
        "baseline": config.baseline,
        "model": config.model,
        "judge": judge.name,
        "prompts": len(rows),
        "judged_prompts": len(judged),
        "judgements": len(verdicts),
        "win_rate": round(statistics.fmean(scores), 4),
        "ci95": [round(low, 4), round(high, 4)],
        "wins": verdicts.count("first"),
        "ties": verdicts.count("tie"),
        "losses": verdicts.count("second"),
        "position_consistency": round(sum(r["consistent"] for r in judged) / len(judged), 4),
        "failed": failed,
        "judge_usage": judge.usage.to_dict(),
        "wall_time_s": round(wall_s, 1),
        "measures": {side: _mean_measures([r["measures"][side] for r in judged]) for side in ("candidate", "baseline")},
        "examples": [
            {k: r[k] for k in ("prompt", "candidate", "baseline", "score")} for r in judged[: config.examples]
        ],
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(config).items()},
    }


def bootstrap_interval(scores: list[float], resamples: int, seed: int) -> tuple[float, float]:
    """95 % percentile bootstrap of the mean, resampling prompts."""
    rng = random.Random(seed)
    n = len(scores)
    means = sorted(statistics.fmean(rng.choices(scores, k=n)) for _ in range(resamples))
    return means[int(0.025 * (resamples - 1))], means[int(0.975 * (resamples - 1))]


def _flip(winner: str) -> str:
    return {"first": "second", "second": "first"}.get(winner, "tie")


def _measures(text: str, record: PromptRecord) -> dict[str, float]:
    measures = {
        "words": float(len(signals.words(text))),
        "repetition": signals.repetition(text),
        "symbols": signals.symbol_ratio(text) if text.strip() else 1.0,
    }
    asked = record.lang or signals.language(record.prompt)
    if asked is not None:  # answering in the asker's language: checkable without any judge
        measures["same_language"] = float(signals.language(text) == asked) if text.strip() else 0.0
    if record.references:
        measures["reference_similarity"] = max(signals.lexical_similarity(r, text) for r in record.references)
    return measures


def _mean_measures(items: list[dict[str, float]]) -> dict[str, float]:
    keys = sorted({k for item in items for k in item})
    return {k: round(statistics.fmean(i[k] for i in items if k in i), 4) for k in keys}


async def _sources(config: EvalConfig, settings: Any) -> dict[str, CandidateSource]:
    """Both sides from one engine (one base in memory, two adapters), or two ids on one OpenAI endpoint."""
    import os

    if config.model.startswith("openai:"):
        base_url, _, remote = config.model.removeprefix("openai:").rpartition("#")
        if not base_url.startswith(("http://", "https://")) or not remote:
            raise InvalidRequest(f"model {config.model!r}: expected openai:BASE_URL#MODEL", param="model")
        key = os.environ.get("OPENAI_API_KEY")
        return {
            side: OpenAICandidates(base_url, remote if name == BASE else name, key)
            for side, name in (("candidate", config.candidate), ("baseline", config.baseline))
        }
    from paramstack.train.candidates import open_candidate_source

    shared = await open_candidate_source(config.model, None, settings=settings, max_batch_size=16)
    assert isinstance(shared, EngineCandidates)
    engine = shared.engine
    result: dict[str, CandidateSource] = {}
    try:
        for side, name in (("candidate", config.candidate), ("baseline", config.baseline)):
            adapter = None
            if name != BASE:
                if Path(name).is_dir():
                    adapter = f"eval-{side}"
                    await engine.load_adapter(adapter, name)  # ArtifactError when it does not fit the base
                elif name in engine.adapters():
                    adapter = name
                else:
                    raise InvalidRequest(
                        f"--{side} {name!r} is neither an adapter directory nor an adapter of {config.model}",
                        param=side,
                    )
            # Only one side closes the shared engine.
            result[side] = EngineCandidates(engine, shared.name, adapter, owns_engine=side == "candidate")
    except BaseException:
        await engine.aclose()
        raise
    return result
