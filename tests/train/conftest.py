"""Shared fixtures: one micro tokenizer+model per test session (built in seconds from the shipped corpus)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def micro_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from paramstack.train.micro import make_micro_model

    root = tmp_path_factory.mktemp("micro")
    make_micro_model(root, steps=40)
    return root


@pytest.fixture(scope="session")
def micro_model_dir(micro_root: Path) -> Path:
    return micro_root / "model"


@pytest.fixture(scope="session")
def micro_tokenizer_dir(micro_root: Path) -> Path:
    return micro_root / "tokenizer"


@pytest.fixture(scope="session")
def micro_corpus_dir(micro_root: Path) -> Path:
    return micro_root / "corpus"
