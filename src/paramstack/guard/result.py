"""What a guard check returns: findings and the action the policy took."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Direction = Literal["input", "output"]
# strip / annotate: untrusted text (``Guard.check_untrusted``) with an injected instruction cut or marked.
Action = Literal["allow", "mask", "block", "append", "annotate", "strip"]
CheckAction = Literal["mask", "block", "append", "log"]

# When several checks fire, the strongest action names the result: a block beats a mask, a mask beats
# an appended disclaimer (the text then carries both the masks and the disclaimer).
ACTION_STRENGTH: dict[str, int] = {"allow": 0, "append": 1, "annotate": 2, "mask": 3, "strip": 4, "block": 5}

# The finding a guard adds when it ran past its policy's ``time_budget_ms`` (check "limits"); a gateway
# counts these (``GuardResult.over_time_budget``) in a metric.
TIME_BUDGET_EXCEEDED = "time_budget_exceeded"


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a check found. ``start``/``end`` index the text that was checked (the original,
    not the normalised or masked text); an appended disclaimer has ``start == end == len(text)``."""

    check: str
    type: str
    start: int
    end: int
    score: float

    def shifted(self, offset: int) -> Finding:
        return Finding(self.check, self.type, self.start + offset, self.end + offset, self.score)

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "type": self.type,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True, slots=True)
class GuardResult:
    """``text`` is what may be passed on (masked, with any disclaimer), ``None`` when blocked."""

    action: Action
    text: str | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return self.action == "block"

    @property
    def over_time_budget(self) -> bool:
        """The guard ran past the policy's time budget (then blocked, or passed what it had checked)."""
        return any(f.type == TIME_BUDGET_EXCEEDED for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "text": self.text, "findings": [f.to_dict() for f in self.findings]}


@dataclass(frozen=True)
class Evaluation:
    """What the checks found in ``text[new_from:]`` and the text to pass on (``None`` if blocked)."""

    action: Action
    text: str | None
    findings: list[Finding]
    blocking: Finding | None = None
