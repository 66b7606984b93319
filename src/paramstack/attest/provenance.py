"""Walk from a response (or an artifact) to the data behind it, through signed manifests.

The registry finds manifests by digest under a few directories (by default the data dir, where
paramstack keeps its corpora, tokenizers, models and adapters). Each node of the lineage is verified
(files re-hashed) unless asked not to, so a changed adapter shows up as a failing node in the walk.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paramstack.attest.keys import KeyRing
from paramstack.attest.manifest import MANIFEST_FILE, Manifest, read_manifest, verify_manifest
from paramstack.attest.verdict import Verdict
from paramstack.errors import ArtifactError

_SKIP_DIRS = {".git", "__pycache__", "node_modules", ".venv", "keys"}


class ManifestRegistry:
    """Manifests found under ``search_dirs`` (walked once, ``max_depth`` levels deep), by digest."""

    def __init__(self, search_dirs: Iterable[Path | str], max_depth: int = 5) -> None:
        self._by_digest: dict[str, Manifest] = {}
        self.problems: list[str] = []  # manifests that could not be read (shown, not fatal)
        for root in search_dirs:
            self._scan(Path(root), max_depth)

    def _scan(self, root: Path, max_depth: int) -> None:
        if not root.is_dir():
            self.problems.append(f"{root}: not a directory")
            return
        base_depth = len(root.parts)
        for directory, dirnames, filenames in os.walk(root):
            depth = len(Path(directory).parts) - base_depth
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and depth < max_depth)
            if MANIFEST_FILE in filenames:
                try:
                    manifest = read_manifest(directory)
                except ArtifactError as error:
                    self.problems.append(error.message)
                    continue
                self._by_digest.setdefault(manifest.digest, manifest)

    def find(self, digest: str) -> Manifest | None:
        return self._by_digest.get(digest.removeprefix("sha256:"))

    def __len__(self) -> int:
        return len(self._by_digest)


@dataclass
class LineageNode:
    digest: str
    manifest: Manifest | None  # None: no manifest with this digest in the registry
    verdict: Verdict | None  # None: not verified (not found, or verification skipped)
    parents: list[LineageNode] = field(default_factory=list)
    kind: str | None = None
    name: str | None = None

    @property
    def ok(self) -> bool:
        """Found, verified (when verification ran) and so are all its ancestors."""
        here = self.manifest is not None and (self.verdict is None or self.verdict.valid)
        return here and all(p.ok for p in self.parents)

    def failures(self) -> list[LineageNode]:
        own = [] if self.manifest is not None and (self.verdict is None or self.verdict.valid) else [self]
        return own + [f for p in self.parents for f in p.failures()]

    def to_dict(self) -> dict[str, Any]:
        return {
            "digest": self.digest,
            "kind": self.kind,
            "name": self.name,
            "directory": str(self.manifest.directory) if self.manifest else None,
            "found": self.manifest is not None,
            "verified": None if self.verdict is None else self.verdict.valid,
            "problem": self.verdict.message if self.verdict is not None and not self.verdict else None,
            "findings": [f.to_dict() for f in self.verdict.findings] if self.verdict is not None else [],
            "created_by": self.manifest.predicate.get("created_by") if self.manifest else None,
            "created_at": self.manifest.predicate.get("created_at") if self.manifest else None,
            "config": self.manifest.predicate.get("config") if self.manifest else None,
            "parents": [p.to_dict() for p in self.parents],
        }


def lineage(
    digest: str,
    registry: ManifestRegistry,
    keyring: KeyRing | None,
    *,
    verify: bool = True,
    kind: str | None = None,
    name: str | None = None,
    _seen: frozenset[str] = frozenset(),
) -> LineageNode:
    """The tree from one manifest digest up to its roots (a digest seen twice on a path is cut: cycles
    cannot be signed honestly, but a registry may be fed anything)."""
    manifest = registry.find(digest)
    if manifest is None:
        return LineageNode(digest, None, None, kind=kind, name=name)
    verdict = verify_manifest(manifest.directory, keyring) if verify and keyring is not None else None
    node = LineageNode(digest, manifest, verdict, kind=manifest.kind, name=manifest.name)
    if digest in _seen:
        return node
    node.parents = [
        lineage(p.digest, registry, keyring, verify=verify, kind=p.kind, name=p.name, _seen=_seen | {digest})
        for p in manifest.parents
    ]
    return node


def render_lineage(node: LineageNode, indent: str = "") -> list[str]:
    """Human lines, one per artifact, with a mark: ✓ verified, ✗ failed, ? not found, · not checked."""
    if node.manifest is None:
        mark, where = "?", "not found in the searched directories"
    elif node.verdict is None:
        mark, where = "·", str(node.manifest.directory)
    elif node.verdict:
        mark, where = "✓", str(node.manifest.directory)
    else:
        mark, where = "✗", f"{node.manifest.directory}: {node.verdict.message}"
    label = f"{node.kind or 'artifact'} {node.name or ''}".strip()
    lines = [f"{indent}{mark} {label} sha256:{node.digest[:16]}... {where}"]
    for parent in node.parents:
        lines += render_lineage(parent, indent + "  ")
    return lines
