"""Fixtures shared by every room's tests."""

from __future__ import annotations

import os

import pytest

# Nothing in the tests may reach a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    """(model_dir, adapters_dir) of a tiny model with the three demo adapters."""
    from tests.tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """The same test on a fresh migrated SQLite file and on a fresh PostgreSQL database."""
    from tests.services import migrated_database

    with migrated_database(request.param, tmp_path) as engine:
        yield engine
