"""The embedded default model that ships inside the package, installed into the data dir by ``init``.

It is paramstack's own: built from the project's corpus by ``make default-model`` (corpus -> tokenizer ->
pretrain -> three demo LoRA adapters), small enough to live in the repository.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from paramstack.errors import ArtifactError
from paramstack.settings import Settings

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
SHIPPED_MODEL_DIR = ASSETS_DIR / "paramstack-tiny"
SHIPPED_ADAPTERS_DIR = ASSETS_DIR / "adapters"


def install_embedded_default(settings: Settings) -> list[str]:
    """Copy the shipped model and adapters under the data dir (never overwriting); returns what was copied."""
    default = settings.embedded_default_model()
    assert default.path is not None and default.adapters_dir is not None
    if not (SHIPPED_MODEL_DIR / "config.json").is_file():
        raise ArtifactError(f"the embedded default model is missing from {SHIPPED_MODEL_DIR}; "
                            "rebuild it with `make default-model`")
    copied: list[str] = []
    if not default.path.exists():
        default.path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(SHIPPED_MODEL_DIR, default.path)
        copied.append(str(default.path))
    if SHIPPED_ADAPTERS_DIR.is_dir():
        for adapter in sorted(p for p in SHIPPED_ADAPTERS_DIR.iterdir() if p.is_dir()):
            destination = default.adapters_dir / adapter.name
            if not destination.exists():
                shutil.copytree(adapter, destination)
                copied.append(str(destination))
    return copied
