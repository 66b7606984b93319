"""SHA-256 of every file in an artifact directory, in parallel (hashlib releases the GIL on large reads)."""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from paramstack.errors import ArtifactError


def file_sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def list_files(root: Path, exclude_prefix: str) -> list[str]:
    """Relative POSIX paths of the regular files under ``root`` (symlinks to files are followed: a
    Hugging Face snapshot is made of them), excluding the manifest's own files."""
    if not root.is_dir():
        raise ArtifactError(f"{root} is not a directory")
    found: list[str] = []
    for directory, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for name in filenames:
            path = Path(directory) / name
            relative = path.relative_to(root).as_posix()
            if relative.startswith(exclude_prefix) or not path.is_file():
                continue
            found.append(relative)
    return sorted(found)


def hash_files(root: Path, names: list[str], workers: int | None = None) -> dict[str, str]:
    workers = workers or min(8, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        digests = list(pool.map(lambda name: file_sha256(root / name), names))
    return dict(zip(names, digests, strict=True))
