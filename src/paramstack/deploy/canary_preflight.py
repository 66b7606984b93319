"""Before any traffic moves: does the canary version exist, is it intact, is there a stable one to keep?

Refusing here (a clear error, nothing changed) is what keeps traffic on the stable version when the input is
bad: a version that is not registered, an adapter directory that is not a LoRA adapter, a signed manifest
that no longer verifies or differs from the one recorded at registration.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from paramstack.attest.keys import KeyRing
from paramstack.attest.manifest import MANIFEST_FILE, manifest_digest, verify_manifest
from paramstack.errors import ArtifactError, InvalidRequest
from paramstack.registry import AdapterRegistry, AdapterVersion
from paramstack.registry.compat import read_adapter_config


@dataclass(frozen=True)
class Preflight:
    stable: AdapterVersion
    canary: AdapterVersion
    warnings: list[str]


def preflight(
    registry: AdapterRegistry, adapter: str, version: str, keyring: KeyRing | None, *, require_manifest: bool = False
) -> Preflight:
    canary = registry.get(adapter, version)  # NotFound: "adapter 'x' has no version 'v9'"
    stable = registry.current(adapter)
    if stable is None:
        raise InvalidRequest(f"adapter {adapter!r} has no stable version to fall back to", param="adapter")
    if stable.version == canary.version:
        raise InvalidRequest(f"{adapter}@{version} is already the stable version", param="version")
    warnings: list[str] = []
    directory = Path(canary.path)
    if not directory.is_dir():
        warnings.append(f"{canary.path} is not on this machine: the serving side checks it when it loads it")
        return Preflight(stable, canary, warnings)
    read_adapter_config(directory)  # ArtifactError if not a LoRA adapter
    has_manifest = (directory / MANIFEST_FILE).is_file()
    if has_manifest or canary.manifest_sha256 or require_manifest:
        if keyring is None:
            raise ArtifactError(f"{canary.path}: no key ring to verify its manifest with")
        verdict = verify_manifest(directory, keyring)
        if not verdict:
            raise ArtifactError(f"{adapter}@{version} failed manifest verification: {verdict.message}")
        if canary.manifest_sha256 and manifest_digest(directory) != canary.manifest_sha256:
            raise ArtifactError(f"{adapter}@{version}: the manifest differs from the one recorded at registration")
    else:
        warnings.append(f"{adapter}@{version} has no signed manifest: its provenance cannot be checked")
    return Preflight(stable, canary, warnings)
