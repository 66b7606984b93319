"""Policy regression suites: a YAML list of texts with the action (and masked text) each must produce.

::

    cases:
      - name: e-mail is masked
        text: "Write to ali@example.com"
        direction: input          # default input
        expect: {action: mask, text: "Write to [EMAIL]", types: [EMAIL]}

``paramstack guard test POLICY CASES.yaml`` runs one; CI runs every shipped policy's suite
(``guard/policies/cases/<policy>.yaml``) through ``tests/guard/test_regression.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from paramstack.errors import ConfigurationError
from paramstack.guard.guard import Guard

CASES_DIR = Path(__file__).parent / "policies" / "cases"


class Expectation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["allow", "mask", "block", "append"]
    text: str | None = None  # the exact validated text, when given
    types: list[str] = []  # finding types that must be among the findings


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    text: str
    direction: Literal["input", "output"] = "input"
    expect: Expectation


class CaseFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy: str | None = None
    cases: list[Case]


@dataclass(frozen=True)
class CaseResult:
    name: str
    passed: bool
    problems: list[str]
    action: str
    text: str | None


def load_cases(path: Path) -> CaseFile:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else 1
        raise ConfigurationError(f"guard cases {path}, line {line}: invalid YAML: {error.problem}") from None
    except OSError as error:
        raise ConfigurationError(f"guard cases {path}: cannot read ({error.strerror})") from None
    try:
        return CaseFile.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigurationError(f"guard cases {path}: {where}: {first['msg']}") from None


def run_case(guard: Guard, case: Case) -> CaseResult:
    result = guard.validate(case.text, case.direction)
    problems = []
    if result.action != case.expect.action:
        problems.append(f"action {result.action!r}, expected {case.expect.action!r}")
    if case.expect.text is not None and result.text != case.expect.text:
        problems.append(f"text {result.text!r}, expected {case.expect.text!r}")
    missing = set(case.expect.types) - {f.type for f in result.findings}
    if missing:
        problems.append(f"missing findings {sorted(missing)}")
    return CaseResult(case.name, not problems, problems, result.action, result.text)


def run_cases(guard: Guard, path: Path) -> list[CaseResult]:
    return [run_case(guard, case) for case in load_cases(path).cases]
