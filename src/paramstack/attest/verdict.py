"""One verdict type for every check in attest/: valid, or exactly what failed and where.

Verification never raises on bad evidence (an altered attestation, a changed file, a rewritten audit
row): it returns a Verdict naming the problem, so the CLI can print it and exit non-zero and the HTTP
route can answer it. Exceptions are kept for misuse and for infrastructure failures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Problem(StrEnum):
    # responses
    MALFORMED = "malformed"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED_KEY = "expired_key"
    HASH_MISMATCH = "hash_mismatch"
    FIELD_MISMATCH = "field_mismatch"
    # artifacts
    MISSING_MANIFEST = "missing_manifest"
    MISSING_FILE = "missing_file"
    CHANGED_FILE = "changed_file"
    EXTRA_FILE = "extra_file"
    # audit chain
    MODIFIED = "modified"
    DELETED = "deleted"
    INSERTED = "inserted"
    REORDERED = "reordered"
    BROKEN_LINK = "broken_link"
    HEAD_MISMATCH = "head_mismatch"
    CHECKPOINT_MISMATCH = "checkpoint_mismatch"
    UNREADABLE = "unreadable"
    # RFC 3161
    BAD_TIMESTAMP = "bad_timestamp"


@dataclass(frozen=True)
class Finding:
    """One thing that failed: what, where (a file path, an audit sequence number, a field), and why."""

    problem: Problem
    message: str
    where: str | int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"problem": self.problem.value, "where": self.where, "message": self.message}


@dataclass(frozen=True)
class Verdict:
    """``bool(verdict)`` is the answer; ``findings`` says what failed (empty when valid)."""

    findings: tuple[Finding, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.findings

    def __bool__(self) -> bool:
        return self.valid

    @property
    def problem(self) -> Problem | None:
        return self.findings[0].problem if self.findings else None

    @property
    def message(self) -> str:
        return self.findings[0].message if self.findings else "valid"

    @classmethod
    def ok(cls, **details: Any) -> Verdict:
        return cls((), details)

    @classmethod
    def fail(cls, problem: Problem, message: str, where: str | int | None = None, **details: Any) -> Verdict:
        return cls((Finding(problem, message, where),), details)

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "problem": self.problem.value if self.problem else None,
            "message": self.message,
            "findings": [f.to_dict() for f in self.findings],
            **self.details,
        }
