"""Settings of the guard room (``Settings.guard``, ``PARAMSTACK_GUARD__*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class GuardSettings(BaseModel):
    # Extra policy files (NAME.yaml); they shadow the shipped default, medical and legal policies.
    policy_dir: Path | None = None
    # The streaming output guard holds back at least this many characters (and any word that may still be
    # a PII value) before sending: about one word of delay in prose.
    min_emit_chars: int = Field(default=16, ge=1, le=4096)
    max_pending_chars: int = Field(default=1024, ge=64, le=65536)
