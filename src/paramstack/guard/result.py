"""What a guard check returns: findings and the action the policy took."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Direction = Literal["input", "output"]
Action = Literal["allow", "mask", "block", "append"]
CheckAction = Literal["mask", "block", "append", "log"]

# When several checks fire, the strongest action names the result: a block beats a mask, a mask beats
# an appended disclaimer (the text then carries both the masks and the disclaimer).
ACTION_STRENGTH: dict[str, int] = {"allow": 0, "append": 1, "mask": 2, "block": 3}


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
        return {"check": self.check, "type": self.type, "start": self.start, "end": self.end,
                "score": round(self.score, 4)}


@dataclass(frozen=True, slots=True)
class GuardResult:
    """``text`` is what may be passed on (masked, with any disclaimer), ``None`` when blocked."""

    action: Action
    text: str | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return self.action == "block"

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "text": self.text, "findings": [f.to_dict() for f in self.findings]}


@dataclass(frozen=True)
class Evaluation:
    """What the checks found in ``text[new_from:]`` and the text to pass on (``None`` if blocked)."""

    action: Action
    text: str | None
    findings: list[Finding]
    blocking: Finding | None = None
