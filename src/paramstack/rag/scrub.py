"""PII scrubbing on ingest, through the guard room's policies (the same masks the gateway applies).

A document the policy would block (e.g. an embedded jailbreak: "ignore previous instructions...", a
classic indirect prompt injection through RAG) is refused rather than indexed.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Protocol

from paramstack.errors import ConfigurationError, InvalidRequest


class Scrubber(Protocol):
    def scrub(self, text: str) -> tuple[str, int]:
        """The text with PII masked, and how many spans were masked. Raise InvalidRequest to refuse it."""
        ...


class GuardScrubber:
    def __init__(self, policy: str, policy_dir: Path | None = None) -> None:
        self._policy = policy
        self._policy_dir = policy_dir
        self._guard: Any = None
        self._lock = threading.Lock()

    def scrub(self, text: str) -> tuple[str, int]:
        result = self._loaded().validate(text, "input")
        if result.blocked or result.text is None:
            reasons = sorted({f"{f.check} ({f.type})" for f in result.findings})
            raise InvalidRequest(
                f"guard policy '{self._policy}' refused the document: {', '.join(reasons)}",
                param="document",
                code="document_blocked",
            )
        return result.text, sum(1 for f in result.findings if f.check == "pii")

    def _loaded(self) -> Any:
        with self._lock:
            if self._guard is None:
                try:
                    from paramstack.guard import Guard
                except ImportError as error:  # pragma: no cover - the guard room ships with paramstack
                    raise ConfigurationError(f"PII scrubbing needs paramstack.guard: {error}") from None
                self._guard = Guard.from_policy_name(self._policy, self._policy_dir)
            return self._guard
