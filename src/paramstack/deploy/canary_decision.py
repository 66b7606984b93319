"""One interval of a rollout, judged: step up, hold, count a failure, promote, or roll back.

A pure function of the policy, the rollout's progress and what the canary did, so every rule is testable
without a clock or a network:

- metrics unreadable -> hold the current weight (never promote blind, never punish the canary for it);
- an SLO broken -> one more failed check; ``failure_threshold`` failed checks -> roll back to 0 %;
- too little traffic to judge -> hold. One exception: when the errors alone already exceed the error
  budget of ``min_requests`` requests, the check fails however few requests there were (a canary that
  fails every request of a quiet tenant must not hide behind "not enough data");
- healthy -> next step, and after the last step, promote.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from paramstack.deploy.canary_metrics import VersionWindow
from paramstack.deploy.slo_policy import SloPolicy

Action = Literal["step", "hold", "fail", "promote", "rollback"]
TERMINAL: frozenset[str] = frozenset({"promote", "rollback"})


@dataclass(frozen=True)
class Decision:
    action: Action
    weight: int
    step_index: int
    failures: int
    reason: str


def violations(policy: SloPolicy, window: VersionWindow) -> list[str]:
    slo = policy.slo
    found: list[str] = []
    judged = window.requests >= policy.min_requests
    budget_denominator = max(window.requests, policy.min_requests)
    if window.errors > slo.max_error_rate * budget_denominator:
        found.append(
            f"error rate {window.error_rate:.1%} ({window.errors}/{window.requests}) above {slo.max_error_rate:.1%}"
        )
    if judged and window.p95_latency_s is not None and window.p95_latency_s > slo.max_p95_latency_s:
        found.append(f"p95 latency {window.p95_latency_s:.3f}s above {slo.max_p95_latency_s}s")
    if (
        judged
        and slo.max_p95_ttft_s is not None
        and window.p95_ttft_s is not None
        and window.p95_ttft_s > slo.max_p95_ttft_s
    ):
        found.append(f"p95 time to first token {window.p95_ttft_s:.3f}s above {slo.max_p95_ttft_s}s")
    if judged and slo.max_guard_block_rate is not None and window.guard_block_rate > slo.max_guard_block_rate:
        found.append(f"guard block rate {window.guard_block_rate:.1%} above {slo.max_guard_block_rate:.1%}")
    if slo.min_judge_score is not None and window.judge_mean is not None and window.judge_mean < slo.min_judge_score:
        found.append(f"judge score {window.judge_mean:.3f} below {slo.min_judge_score}")
    return found


def decide(
    policy: SloPolicy,
    *,
    step_index: int,
    failures: int,
    weight: int,
    window: VersionWindow | None,
    unavailable: str | None = None,
) -> Decision:
    if window is None:
        return Decision(
            "hold",
            weight,
            step_index,
            failures,
            f"metrics unavailable ({unavailable or 'no data'}): holding at {weight}%, not promoting blind",
        )
    broken = violations(policy, window)
    if broken:
        failures += 1
        if failures >= policy.failure_threshold:
            return Decision(
                "rollback",
                0,
                step_index,
                failures,
                f"{'; '.join(broken)} (failed check {failures}/{policy.failure_threshold})",
            )
        return Decision(
            "fail",
            weight,
            step_index,
            failures,
            f"{'; '.join(broken)} (failed check {failures}/{policy.failure_threshold})",
        )
    if window.requests < policy.min_requests:
        return Decision(
            "hold",
            weight,
            step_index,
            failures,
            f"only {window.requests} canary requests this interval (need {policy.min_requests})",
        )
    if policy.slo.min_judge_score is not None and not window.judge_count:
        return Decision("hold", weight, step_index, failures, "no judge scores for the canary yet")
    if step_index + 1 >= len(policy.steps):
        return Decision(
            "promote",
            100,
            step_index,
            failures,
            f"SLOs held at every step ({window.requests} "
            f"requests, {window.error_rate:.1%} errors in the last interval)",
        )
    next_weight = policy.steps[step_index + 1]
    return Decision(
        "step",
        next_weight,
        step_index + 1,
        failures,
        f"SLOs held at {weight}% ({window.requests} requests, {window.error_rate:.1%} errors, "
        f"p95 {_seconds(window.p95_latency_s)})",
    )


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}s"
