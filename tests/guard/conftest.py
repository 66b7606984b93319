from __future__ import annotations

import pytest

from paramstack.guard import Guard, GuardRegistry


@pytest.fixture(scope="session")
def registry() -> GuardRegistry:
    # One registry for the session: the shipped policies are immutable once loaded.
    return GuardRegistry().load_all()


@pytest.fixture(scope="session")
def default_guard(registry: GuardRegistry) -> Guard:
    return registry.get("default")
