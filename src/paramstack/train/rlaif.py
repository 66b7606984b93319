"""RLAIF preference data: for each prompt, several candidate answers, scored by a judge, best vs worst.

    prompts.jsonl -> candidates (N per prompt, several temperatures, from the tenant's model)
                  -> judge (relevance, helpfulness, accuracy, safety, clarity, overall)
                  -> best = chosen, worst = rejected (skipped when the margin is too small) -> prefs.jsonl

``--pairs all`` keeps every (better, worse) pair of a prompt whose scores differ by at least the margin
(up to N*(N-1)/2 lines per prompt instead of one): more preference signal from the same candidates,
as in the multi-pair variants of RLAIF/DPO; each line has the same fields as a best-worst line.

Prompts run concurrently (the local engine batches their candidates into shared forward passes). Every
finished prompt is written at once, so a killed run resumes where it stopped (rlaif_state.py). A prompt
whose candidates or judge fail is recorded as failed with the reason, never dropped silently.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from paramstack.errors import InvalidRequest, ParamstackError
from paramstack.train.artifacts import file_digest, write_json
from paramstack.train.candidates import CandidateSource, open_candidate_source
from paramstack.train.judges import Judge, JudgeOptions, build_judge
from paramstack.train.preference_data import DatasetPaths, PromptRecord, append_jsonl, iter_jsonl, load_prompts
from paramstack.train.rlaif_state import RunState, load_state
from paramstack.train.signing import Signer

PAIR_MODES = ("best-worst", "all")


@dataclass
class RlaifConfig:
    """One RLAIF run; every field is a ``paramstack rlaif`` flag."""

    prompts: Path
    output: Path
    model: str
    adapter: str | None = None
    judge: str = "offline"
    num_responses: int = 4
    temperatures: tuple[float, ...] = (0.3, 0.5, 0.7, 0.9)
    max_tokens: int = 96
    margin: float = 0.5  # skip pairs whose overall scores differ by less (the judge cannot tell them apart)
    pairs: str = "best-worst"  # best-worst: one pair per prompt; all: every pair at least `margin` apart
    concurrency: int = 8  # prompts in flight at once
    judge_retries: int = 2
    judge_timeout_s: float = 60.0
    judge_max_tokens: int = 512
    judge_price_in: int = 0  # micro-units per 1,000 judge input tokens, for the cost report
    judge_price_out: int = 0
    retry_failed: bool = True  # a rerun asks again for the prompts that failed before
    overwrite: bool = False  # start afresh instead of resuming
    limit: int | None = None  # only the first N prompts (a quick look)
    seed: int = 0
    sign: bool = True

    def validate(self) -> None:
        if self.num_responses < 2:
            raise InvalidRequest("--num-responses must be at least 2 (a pair needs two answers)", param="num_responses")
        if not self.temperatures or any(t < 0 or t > 2 for t in self.temperatures):
            raise InvalidRequest("--temperatures must be numbers from 0 to 2", param="temperatures")
        for name in ("max_tokens", "concurrency"):
            if getattr(self, name) < 1:
                raise InvalidRequest(f"--{name.replace('_', '-')} must be at least 1", param=name)
        if self.margin < 0 or self.judge_retries < 0:
            raise InvalidRequest("--margin and --judge-retries cannot be negative")
        if self.pairs not in PAIR_MODES:
            raise InvalidRequest(f"--pairs {self.pairs!r}: expected one of {', '.join(PAIR_MODES)}", param="pairs")


@dataclass
class Outcome:
    record: PromptRecord
    status: str  # pair | skipped | failed
    reason: str = ""
    pairs: list[dict[str, Any]] = field(default_factory=list)
    overall: list[float] = field(default_factory=list)


def run_rlaif(
    config: RlaifConfig, *, settings: Any = None, progress: bool = True, signer: Signer | None = None
) -> dict[str, Any]:
    """Run (or resume) RLAIF; returns the report also written next to the data."""
    return asyncio.run(_run(config, settings, progress, signer))


async def _run(config: RlaifConfig, settings: Any, progress: bool, signer: Signer | None) -> dict[str, Any]:
    config.validate()
    records = load_prompts(config.prompts)[: config.limit]
    paths = DatasetPaths.of(config.output)
    _check_output_dir(paths)
    if config.overwrite:
        for path in (paths.data, paths.state, paths.report):
            path.unlink(missing_ok=True)
    signer = signer or (Signer.from_settings(settings) if config.sign else Signer.disabled())
    parents = signer.signed_parents(_local_dirs(config))  # fail fast on a changed base, before any work
    state = load_state(paths)
    todo = [r for r in records if not state.done(r.prompt_id, retry_failed=config.retry_failed)]
    source = (
        await open_candidate_source(
            config.model, config.adapter, settings=settings, max_batch_size=max(8, config.num_responses * 4)
        )
        if todo
        else None
    )
    try:
        judge = build_judge(
            config.judge,
            JudgeOptions(
                retries=config.judge_retries,
                timeout_s=config.judge_timeout_s,
                max_tokens=config.judge_max_tokens,
                input_micros_per_1k=config.judge_price_in,
                output_micros_per_1k=config.judge_price_out,
            ),
        )
    except BaseException:
        if source is not None:
            await source.aclose()
        raise
    # Only now, with prompts, model and judge all valid, does anything get written.
    paths.data.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    append_jsonl(
        paths.state,
        {
            "type": "run_start",
            "at": _now(),
            "prompts": len(records),
            "todo": len(todo),
            "resumed": len(records) - len(todo),
            "judge": config.judge,
            "model": config.model,
        },
    )
    try:
        counts = await _process_all(config, todo, source, judge, paths, len(records), progress)
    finally:
        if source is not None:
            await source.aclose()
        await judge.aclose()
        append_jsonl(
            paths.state,
            {
                "type": "run_end",
                "at": _now(),
                "judge_usage": judge.usage.to_dict(),
                "wall_time_s": round(time.perf_counter() - started, 1),
            },
        )
    final = load_state(paths)
    final.repaired = state.repaired
    return _finish(config, paths, records, final, counts, judge, signer, parents, time.perf_counter() - started)


async def _process_all(
    config: RlaifConfig,
    todo: list[PromptRecord],
    source: CandidateSource | None,
    judge: Judge,
    paths: DatasetPaths,
    total: int,
    progress: bool,
) -> dict[str, int]:
    from tqdm.auto import tqdm

    counts = {"pair": 0, "skipped": 0, "failed": 0}
    if not todo:
        return counts
    assert source is not None
    gate = asyncio.Semaphore(config.concurrency)

    async def one(record: PromptRecord) -> Outcome:
        async with gate:
            return await _process_prompt(config, record, source, judge)

    bar = tqdm(total=total, initial=total - len(todo), desc="rlaif", unit="prompt", disable=not progress)
    tasks = [asyncio.create_task(one(record)) for record in todo]
    try:
        for next_done in asyncio.as_completed(tasks):
            outcome = await next_done
            _record(paths, outcome)
            counts[outcome.status] += 1
            bar.update(1)
            bar.set_postfix(
                pairs=counts["pair"],
                skipped=counts["skipped"],
                failed=counts["failed"],
                judge_cost=judge.usage.cost_micros,
            )
    finally:
        for task in tasks:
            task.cancel()
        bar.close()
    return counts


async def _process_prompt(config: RlaifConfig, record: PromptRecord, source: CandidateSource, judge: Judge) -> Outcome:
    temperatures = [config.temperatures[i % len(config.temperatures)] for i in range(config.num_responses)]
    try:
        texts = list(
            await asyncio.gather(
                *(
                    source.generate(
                        record,
                        temperature=t,
                        max_tokens=config.max_tokens,
                        seed=_seed(config.seed, record.prompt_id, i),
                    )
                    for i, t in enumerate(temperatures)
                )
            )
        )
    except ParamstackError as error:
        return Outcome(record, "failed", f"candidates: {error.message}")
    if len({t.strip() for t in texts}) < 2:
        return Outcome(record, "skipped", "all candidates are the same text")
    try:
        scores = await judge.score(record, texts)
    except ParamstackError as error:
        return Outcome(record, "failed", f"judge: {error.message}")
    overall = [s.overall for s in scores]
    chosen_rejected = preference_indices(overall, texts, config.pairs, config.margin)
    if not chosen_rejected:
        spread = max(overall) - min(overall)
        return Outcome(record, "skipped", f"margin {spread:.2f} below {config.margin}", overall=overall)
    pairs = [
        _pair_line(config, record, texts, temperatures, scores, judge.name, chosen, rejected)
        for chosen, rejected in chosen_rejected
    ]
    return Outcome(record, "pair", pairs=pairs, overall=overall)


def preference_indices(overall: list[float], texts: list[str], mode: str, margin: float) -> list[tuple[int, int]]:
    """(chosen, rejected) candidate indices the judge separates by at least ``margin``, best pair first.

    ``best-worst``: the single best against the single worst (ties: the earlier candidate). ``all``: every
    ordered pair of different texts, each text once (the same text sampled twice adds no signal).
    """
    if mode == "best-worst":
        best = max(range(len(texts)), key=lambda i: (overall[i], -i))
        worst = min(range(len(texts)), key=lambda i: (overall[i], i))
        candidates = [(best, worst)]
    else:
        distinct = list({text.strip(): i for i, text in reversed(list(enumerate(texts)))}.values())
        ranked = sorted(distinct, key=lambda i: (-overall[i], i))
        candidates = [(better, worse) for n, better in enumerate(ranked) for worse in reversed(ranked[n + 1 :])]
    return [
        (chosen, rejected)
        for chosen, rejected in candidates
        if overall[chosen] - overall[rejected] >= margin and texts[chosen].strip() != texts[rejected].strip()
    ]


def _pair_line(
    config: RlaifConfig,
    record: PromptRecord,
    texts: list[str],
    temperatures: list[float],
    scores: list[Any],
    judge_name: str,
    chosen: int,
    rejected: int,
) -> dict[str, Any]:
    """One line of prefs.jsonl (the product's format), whichever pair mode chose it."""
    overall = [s.overall for s in scores]
    return {
        "prompt": record.prompt,
        "chosen": texts[chosen],
        "rejected": texts[rejected],
        "chosen_score": round(overall[chosen], 3),
        "rejected_score": round(overall[rejected], 3),
        "metadata": {
            "prompt_id": record.prompt_id,
            "chosen_temp": temperatures[chosen],
            "rejected_temp": temperatures[rejected],
            "num_candidates": len(texts),
            "judge": judge_name,
            "model": config.model,
            "adapter": config.adapter,
            "margin": round(overall[chosen] - overall[rejected], 3),
            "lang": record.lang,
            "system": record.system,
            "scores": {"chosen": scores[chosen].to_dict(), "rejected": scores[rejected].to_dict()},
            "all_overall": [round(o, 3) for o in overall],
        },
    }


def _record(paths: DatasetPaths, outcome: Outcome) -> None:
    # The pairs first, then the status: a kill between the two still leaves the pairs, which count as done.
    # A prompt's pairs go out in one write, so a kill leaves all of them or (after repair_tail) a prefix.
    if outcome.pairs:
        append_jsonl(paths.data, *outcome.pairs)
    entry = {
        "type": "prompt",
        "prompt_id": outcome.record.prompt_id,
        "status": outcome.status,
        "at": _now(),
        "line": outcome.record.line,
    }
    if outcome.reason:
        entry["reason"] = outcome.reason
    if outcome.overall:
        entry["overall"] = [round(o, 3) for o in outcome.overall]
    append_jsonl(paths.state, entry)


def _finish(
    config: RlaifConfig,
    paths: DatasetPaths,
    records: list[PromptRecord],
    state: RunState,
    counts: dict[str, int],
    judge: Judge,
    signer: Signer,
    parents: list[Path],
    wall_s: float,
) -> dict[str, Any]:
    ids = {r.prompt_id for r in records}
    statuses = {pid: ("pair" if pid in state.pair_ids else state.statuses.get(pid, "pending")) for pid in ids}
    failed = sorted(pid for pid, status in statuses.items() if status == "failed")
    config_dict = {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(config).items()}
    report: dict[str, Any] = {
        "output": str(paths.directory or paths.data),
        "data_file": str(paths.data),
        "state_file": str(paths.state),
        "prompts": len(records),
        "pairs": sum(s == "pair" for s in statuses.values()),
        "skipped": sum(s == "skipped" for s in statuses.values()),
        "failed": len(failed),
        "failed_prompts": [{"prompt_id": pid, "reason": state.reasons.get(pid, "")} for pid in failed[:50]],
        "this_run": counts,
        "judge": judge.name,
        "judge_usage_this_run": judge.usage.to_dict(),
        "judge_usage_total": state.judge_usage_total(),
        "wall_time_s": round(wall_s, 1),
        "prompts_sha256": file_digest(Path(config.prompts)),
        "repaired_files": state.repaired,
        "config": config_dict,
    }
    if paths.data.is_file():
        report["data_sha256"] = file_digest(paths.data)
        report["pair_lines"] = sum(1 for _ in iter_jsonl(paths.data))
    write_json(paths.report, report)
    if paths.directory is not None and paths.data.is_file():
        report["manifest"] = signer.sign(
            paths.directory,
            "preference_dataset",
            parents=parents,
            config={
                "judge": config.judge,
                "model": config.model,
                "adapter": config.adapter,
                "num_responses": config.num_responses,
                "temperatures": list(config.temperatures),
                "margin": config.margin,
                "pairs": config.pairs,
                "prompts_sha256": report["prompts_sha256"],
                "seed": config.seed,
            },
        )
    else:
        report["manifest"] = {
            "signed": False,
            "reason": "a .jsonl output is a bare file; pass a directory as --output for a signed dataset"
            if paths.directory is None
            else "no pairs yet",
        }
    return report


def _check_output_dir(paths: DatasetPaths) -> None:
    """A dataset directory holds only its own files: its manifest signs everything in it."""
    if paths.directory is None or not paths.directory.exists():
        return
    if not paths.directory.is_dir():
        raise InvalidRequest(f"--output {paths.directory} exists and is not a directory", param="output")
    own = {paths.data.name, paths.report.name, "paramstack.manifest.json"}
    strangers = sorted(p.name for p in paths.directory.iterdir() if p.name not in own)
    if strangers:
        raise InvalidRequest(
            f"--output {paths.directory} already holds other files ({', '.join(strangers[:3])}): "
            "give a new directory, or a .jsonl file",
            param="output",
        )


def _local_dirs(config: RlaifConfig) -> list[Path | None]:
    """The model and adapter directories behind the candidates (the dataset's parents in the chain)."""
    found: list[Path | None] = []
    for value in (config.model, config.adapter):
        if value and not value.startswith("openai:") and Path(value).is_dir():
            found.append(Path(value))
    return found


def _seed(base: int, prompt_id: str, index: int) -> int:
    """Stable per (run seed, prompt, candidate): a resumed run samples what the first run would have."""
    digest = hashlib.sha256(f"{base}:{prompt_id}:{index}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="seconds")
