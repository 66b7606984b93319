"""Session-wide tiny artifacts and a shared engine; tests that change adapters build their own engine."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import tiny_models

from paramstack.engine.local import LocalEngine

ADAPTERS = ("support", "legal", "sales")


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_models.build_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def adapters_dir(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("adapters")
    for seed, name in enumerate(ADAPTERS, start=100):
        tiny_models.build_adapter(model_dir, root / name, seed=seed)
    return root


@pytest.fixture(scope="session")
def foreign_adapter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A LoRA adapter trained on another base (hidden size 32 instead of 64)."""
    other = tiny_models.build_model(tmp_path_factory.mktemp("other-model"), hidden=32)
    return tiny_models.build_adapter(other, tmp_path_factory.mktemp("foreign") / "foreign", seed=7)


@pytest.fixture(scope="session")
def engine(model_dir: Path, adapters_dir: Path) -> Iterator[LocalEngine]:
    engine = LocalEngine(model_dir, adapters_dir=adapters_dir, max_batch_size=8)
    yield engine
    asyncio.run(engine.aclose())


@pytest.fixture(scope="session")
def reference(model_dir: Path, adapters_dir: Path, engine: LocalEngine):
    """Plain transformers + PEFT generation, the behaviour the engine must reproduce."""
    from reference import ReferenceGenerator

    return ReferenceGenerator(model_dir, adapters_dir, ADAPTERS, stop_token_ids=sorted(engine.stop_token_ids))
