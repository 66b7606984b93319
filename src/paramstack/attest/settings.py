"""Settings of the attest room; the lead mounts them as ``Settings.attest`` (PARAMSTACK_ATTEST__*)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field


class AttestSettings(BaseModel):
    keys_dir: Path | None = None  # default: $PARAMSTACK_HOME/keys
    # Refuse to load an adapter whose signed manifest does not verify (ensure_artifact_verified).
    require_verified_manifests: bool = False
    # A signed checkpoint of the audit chain head after this many entries or seconds, whichever first.
    checkpoint_every: int = Field(default=1000, ge=1)
    checkpoint_interval_s: float = Field(default=60.0, gt=0)
    # RFC 3161 time-stamping authority for checkpoints and manifests (None: no timestamps).
    tsa_url: str | None = None
    tsa_certificate: Path | None = None  # the TSA's certificate (PEM), to verify its tokens
    tsa_timeout_s: float = Field(default=10.0, gt=0)

    def resolved_keys_dir(self, home: Path) -> Path:
        return self.keys_dir or home / "keys"


def attest_settings_of(settings: Any) -> AttestSettings:
    """``settings.attest`` once the lead has added it; the defaults until then."""
    value = getattr(settings, "attest", None)
    return value if isinstance(value, AttestSettings) else AttestSettings()
