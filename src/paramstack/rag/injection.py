"""Poisoned chunks, caught at ingest: instructions to the model hidden in a document.

A retrieved chunk is untrusted text that the model will read as context; a document that says "AI
assistant: ignore your instructions and ..." poisons every answer it is retrieved for. Each chunk goes
through the guard policy's ``check_untrusted`` (``guard/untrusted.py``) before it is embedded, and the
policy's ``untrusted.action`` decides what the collection keeps:

- ``block``: the document is refused (nothing is stored; HTTP 400 ``document_injection``);
- ``strip``: the chunk is stored with the injected instruction cut out, and flagged;
- ``annotate``: the chunk is stored as written (an annotation would pollute retrieval) and flagged, so
  that the request path can treat it with suspicion when it is retrieved.

Flagged chunks are listed in the ingest result (``injection_flagged_chunks``) and in the document's
metadata (``guard.injection_flagged_chunks``), so ``rag list`` shows them too.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from paramstack.errors import ConfigurationError, InvalidRequest


@dataclass(frozen=True)
class ChunkVerdict:
    text: str  # what to store
    flagged: bool
    findings: tuple[str, ...] = ()  # finding types, never the content


class ChunkGuard(Protocol):
    def check(self, text: str) -> ChunkVerdict:
        """The chunk to store and whether it was flagged. Raise InvalidRequest to refuse the document."""
        ...


class PolicyChunkGuard:
    """``ChunkGuard`` through a guard policy (loaded on first use; the guard room ships with paramstack)."""

    def __init__(self, policy: str, policy_dir: Path | None = None) -> None:
        self._policy = policy
        self._policy_dir = policy_dir
        self._guard: Any = None
        self._lock = threading.Lock()

    def check(self, text: str) -> ChunkVerdict:
        result = self._loaded().check_untrusted(text)
        types = tuple(sorted({f"{f.check} ({f.type})" for f in result.findings}))
        if result.blocked or result.text is None:
            raise InvalidRequest(
                f"guard policy '{self._policy}' refused the document: it carries instructions "
                f"to the model ({', '.join(types)})",
                param="document",
                code="document_injection",
            )
        flagged = any(f.check == "injection" for f in result.findings)
        if not flagged:
            return ChunkVerdict(text, False)
        stored = result.text if result.action == "strip" else text
        return ChunkVerdict(stored, True, types)

    def _loaded(self) -> Any:
        with self._lock:
            if self._guard is None:
                try:
                    from paramstack.guard import Guard
                except ImportError as error:  # pragma: no cover - the guard room ships with paramstack
                    raise ConfigurationError(f"injection checks need paramstack.guard: {error}") from None
                self._guard = Guard.from_policy_name(self._policy, self._policy_dir)
            return self._guard
