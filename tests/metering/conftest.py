from __future__ import annotations

import pytest

from tests.metering.harness import StoreHarness
from tests.services import redis_reachable, require_service


@pytest.fixture(params=["memory", "redis"])
def harness(request):
    """The contract suite's store: every test runs on the in-process store and on Redis."""
    if request.param == "redis":
        require_service("Redis", redis_reachable(), "redis://127.0.0.1:6379")
    h = StoreHarness(request.param)
    yield h
    h.cleanup()
