"""What every judge returns and promises: per-criterion scores, pairwise verdicts, and what judging cost.

The criteria are the product description's: relevance, helpfulness, accuracy, safety and clarity, each
0-10, plus an overall score. A judge that cannot produce a valid verdict (malformed replies after its
retries, timeouts) raises ``JudgeFailed``; the caller records the prompt as failed instead of dropping it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal, Protocol

from paramstack.errors import ParamstackError
from paramstack.train.preference_data import PromptRecord

CRITERIA = ("relevance", "helpfulness", "accuracy", "safety", "clarity")
Winner = Literal["first", "second", "tie"]


class JudgeFailed(ParamstackError):
    """No valid verdict after every retry; ``attempts`` says how many calls were made."""

    status_code = 502
    error_type = "server_error"
    code = "judge_failed"

    def __init__(self, message: str, *, attempts: int = 1) -> None:
        super().__init__(message)
        self.attempts = attempts


@dataclass(frozen=True)
class Scores:
    relevance: float
    helpfulness: float
    accuracy: float
    safety: float
    clarity: float
    overall: float
    rationale: str = ""

    def to_dict(self) -> dict[str, float | str]:
        data: dict[str, float | str] = {k: round(v, 3) for k, v in asdict(self).items() if k != "rationale"}
        if self.rationale:
            data["rationale"] = self.rationale
        return data


@dataclass(frozen=True)
class PairVerdict:
    """Which of two answers is better, in the order the judge was shown them."""

    winner: Winner
    first: float | None = None  # overall scores, when the judge gives them
    second: float | None = None
    rationale: str = ""


@dataclass
class JudgeUsage:
    """Judge cost accounting: calls, retries, failures, tokens, seconds, and money in integer micro-units."""

    calls: int = 0
    retries: int = 0
    failures: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    input_micros_per_1k: int = 0
    output_micros_per_1k: int = 0
    cost_micros: int = field(default=0, init=False)

    def add_tokens(self, prompt_tokens: int, completion_tokens: int) -> None:
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens
        # Integer micro-units, rounded up per call as a provider bills.
        self.cost_micros += -(-prompt_tokens * self.input_micros_per_1k // 1000)
        self.cost_micros += -(-completion_tokens * self.output_micros_per_1k // 1000)

    def to_dict(self) -> dict[str, int | float]:
        return {
            "calls": self.calls,
            "retries": self.retries,
            "failures": self.failures,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "seconds": round(self.seconds, 2),
            "cost_micros": self.cost_micros,
        }


class Judge(Protocol):
    usage: JudgeUsage

    @property
    def name(self) -> str:
        """The judge as the command line names it (recorded with every pair)."""
        ...

    async def score(self, prompt: PromptRecord, candidates: Sequence[str]) -> list[Scores]:
        """One Scores per candidate, in order. Raises JudgeFailed."""
        ...

    async def compare(self, prompt: PromptRecord, first: str, second: str) -> PairVerdict:
        """Which answer is better, as shown (callers ask both orders to cancel position bias)."""
        ...

    async def aclose(self) -> None: ...


def overall_of(values: dict[str, float], weights: dict[str, float]) -> float:
    total = sum(weights.values())
    return sum(values[name] * weight for name, weight in weights.items()) / total


def verdict_from_scores(first: Scores, second: Scores, tie_margin: float) -> PairVerdict:
    """Pointwise judges compare overall scores; closer than ``tie_margin`` is a tie."""
    difference = first.overall - second.overall
    winner: Winner = "tie" if abs(difference) < tie_margin else ("first" if difference > 0 else "second")
    return PairVerdict(winner, first.overall, second.overall)
