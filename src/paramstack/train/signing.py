"""Signed manifests for what the preference loop makes (preference datasets, DPO adapters).

The attest room does the signing; this is the one call site the training workflows use. Parents are
checked BEFORE the work starts (a changed base model fails fast, not after an hour of training), and only
parents that have a manifest are linked: an unsigned base is named in the config, not in the chain.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST_FILE = "paramstack.manifest.json"


@dataclass(frozen=True)
class Signer:
    keyring: Any | None  # paramstack.attest.KeyRing that can sign, or None
    reason: str = ""  # why nothing will be signed, when keyring is None

    @classmethod
    def from_settings(cls, settings: Any | None = None, keys_dir: Path | None = None) -> Signer:
        try:
            from paramstack.attest import SigningKeyStore
            from paramstack.attest.settings import attest_settings_of
        except ImportError:
            return cls(None, "the attest room is not installed")
        if keys_dir is None:
            if settings is None:
                from paramstack.settings import load_settings

                settings = load_settings()
            keys_dir = attest_settings_of(settings).resolved_keys_dir(settings.home)
        keyring = SigningKeyStore(keys_dir).load()
        if not keyring.can_sign:
            return cls(None, f"no signing key in {keys_dir}: run `paramstack attest keygen`")
        return cls(keyring)

    @classmethod
    def disabled(cls, reason: str = "signing disabled") -> Signer:
        return cls(None, reason)

    def signed_parents(self, candidates: Iterable[Path | None]) -> list[Path]:
        """The candidate parent directories that carry a manifest, each verified now (raises if it fails)."""
        parents = [Path(p) for p in candidates if p is not None and (Path(p) / MANIFEST_FILE).is_file()]
        if self.keyring is not None:
            from paramstack.attest import ensure_artifact_verified

            for parent in parents:
                ensure_artifact_verified(parent, self.keyring)
        return parents

    def sign(
        self, directory: Path, kind: str, *, parents: Iterable[Path], config: Mapping[str, Any], name: str | None = None
    ) -> dict[str, Any]:
        """Write DIR's manifest; returns what the report records (digest, or why it is unsigned)."""
        if self.keyring is None:
            return {"signed": False, "reason": self.reason}
        from paramstack.attest import write_manifest

        manifest = write_manifest(
            directory, kind, keyring=self.keyring, parents=list(parents), config=config, name=name
        )
        return {
            "signed": True,
            "manifest_sha256": manifest.digest,
            "kid": manifest.kid,
            "parents": [p.digest for p in manifest.parents],
        }
