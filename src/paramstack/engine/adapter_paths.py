"""Where an upstream server (vLLM) finds an adapter directory that this machine knows by another path."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from paramstack.settings import ModelSettings


def upstream_adapter_path(model: ModelSettings, path: str) -> str:
    """A path under ``adapters_dir`` rewritten under ``upstream_adapter_dir``; other paths unchanged."""
    local, remote = model.adapters_dir, model.upstream_adapter_dir
    if local is None or remote is None:
        return path
    try:
        relative = Path(path).resolve().relative_to(Path(local).resolve())
    except ValueError:
        return path
    return str(PurePosixPath(remote) / relative.as_posix())
