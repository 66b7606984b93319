"""Resuming an interrupted RLAIF run: which prompts are finished, from the files themselves.

Every finished prompt leaves exactly one trace before the run moves on: a pair line in the data file
(then a ``pair`` line in the state file), or a ``skipped``/``failed`` line in the state file. Lines are
appended and fsync'ed one at a time, so a kill loses at most the line being written; ``repair_tail`` cuts
that half line on the next start. A prompt counts as done when the data file has its pair (even if the
kill came before its state line) or the state file has a final status for it: no prompt is asked twice
and none is lost. ``failed`` prompts are retried by the next run unless told otherwise.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from paramstack.train.preference_data import DatasetPaths, iter_jsonl, prompt_digest, repair_tail

FINAL = ("pair", "skipped")


@dataclass
class RunState:
    """What earlier runs finished; ``statuses`` holds the latest status of every prompt id seen."""

    statuses: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    pair_ids: set[str] = field(default_factory=set)
    runs: list[dict[str, Any]] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)

    def done(self, prompt_id: str, *, retry_failed: bool) -> bool:
        if prompt_id in self.pair_ids:
            return True
        status = self.statuses.get(prompt_id)
        return status in FINAL or (status == "failed" and not retry_failed)

    def counts(self) -> Counter[str]:
        final = dict(self.statuses)
        final.update({pid: "pair" for pid in self.pair_ids})
        return Counter(final.values())

    def judge_usage_total(self) -> dict[str, int | float]:
        """Judge cost over every run that wrote to this dataset (the resumed ones included)."""
        total: dict[str, int | float] = {}
        for run in self.runs:
            for key, value in (run.get("judge_usage") or {}).items():
                if isinstance(value, int | float):
                    total[key] = total.get(key, 0) + value
        return {k: round(v, 2) if isinstance(v, float) else v for k, v in total.items()}


def load_state(paths: DatasetPaths) -> RunState:
    state = RunState()
    for path in (paths.data, paths.state):
        if repair_tail(path):
            state.repaired.append(str(path))
    if paths.data.is_file():
        for _, value in iter_jsonl(paths.data):
            if isinstance(value, dict):
                meta = value.get("metadata") or {}
                state.pair_ids.add(str(meta.get("prompt_id") or prompt_digest(str(value.get("prompt", "")))))
    if paths.state.is_file():
        for _, value in iter_jsonl(paths.state):
            if not isinstance(value, dict):
                continue
            if value.get("type") == "prompt":
                state.statuses[str(value["prompt_id"])] = str(value["status"])
                if value.get("reason"):
                    state.reasons[str(value["prompt_id"])] = str(value["reason"])
            elif value.get("type") == "run_end":
                state.runs.append(value)
    return state
