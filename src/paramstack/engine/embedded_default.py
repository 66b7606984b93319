"""The embedded default model that ships inside the package, installed into the data dir by ``init``.

It is paramstack's own: built from the project's corpus by ``make default-model`` (corpus -> tokenizer ->
pretrain -> three demo LoRA adapters), small enough to live in the repository. On installation the
organisation signs the chain (corpus -> base model -> each adapter) with its own key, so every response
of these adapters can be traced back to the text they were trained on (``paramstack provenance show``).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from paramstack import assets
from paramstack.attest.keys import KeyRing
from paramstack.attest.keystore import SigningKeyStore
from paramstack.attest.manifest import MANIFEST_FILE, write_manifest
from paramstack.errors import ArtifactError
from paramstack.settings import Settings


def install_embedded_default(settings: Settings) -> list[str]:
    """Copy the shipped corpus, model and adapters under the data dir (never overwriting) and sign what
    was copied; returns the directories installed."""
    default = settings.embedded_default_model()
    assert default.path is not None and default.adapters_dir is not None
    if not (assets.default_model_dir() / "config.json").is_file():
        raise ArtifactError(
            f"the embedded default model is missing from {assets.default_model_dir()}; "
            "rebuild it with `make default-model`"
        )
    corpus = settings.home / "artifacts" / "corpus"
    adapters = [(assets.adapters_dir() / name, default.adapters_dir / name) for name in assets.DEMO_ADAPTERS]
    copied = [
        str(target)
        for source, target in [(assets.corpus_dir(), corpus), (assets.default_model_dir(), default.path), *adapters]
        if _copy_once(source, target)
    ]
    keyring = SigningKeyStore(settings.attest.resolved_keys_dir(settings.home)).load_or_create()
    _sign_once(corpus, "corpus", keyring, parents=[], config={"source": "paramstack assets (project-written)"})
    report = default.path / "training_report.json"
    recipe = json.loads(report.read_text(encoding="utf-8")).get("recipe", {}) if report.is_file() else {}
    _sign_once(default.path, "base_model", keyring, parents=[corpus], config=recipe)
    for _, adapter in adapters:
        _sign_once(adapter, "adapter", keyring, parents=[default.path], config={"base_model": default.name})
    return copied


def _copy_once(source: Path, target: Path) -> bool:
    if target.exists() or not source.is_dir():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    return True


def _sign_once(directory: Path, kind: str, keyring: KeyRing, *, parents: list[Path], config: dict[str, Any]) -> None:
    if directory.is_dir() and not (directory / MANIFEST_FILE).exists():
        write_manifest(directory, kind, keyring=keyring, parents=parents, config=config)
