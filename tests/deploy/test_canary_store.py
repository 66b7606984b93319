"""The rollout store on both databases: what the gateway replicas read and the controller writes."""

from __future__ import annotations

import pytest

from paramstack.deploy.canary_store import CanaryStore
from paramstack.errors import Conflict, InvalidRequest
from paramstack.registry import AdapterRegistry
from paramstack.storage.database import create_db_engine
from paramstack.storage.migrate import upgrade_to_head
from tests.services import fresh_postgres_database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request, tmp_path):
    if request.param == "sqlite":
        engine = create_db_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
        upgrade_to_head(engine)
        yield engine
        engine.dispose()
        return
    with fresh_postgres_database() as url:
        engine = create_db_engine(url)
        upgrade_to_head(engine)
        yield engine
        engine.dispose()


def test_running_rollouts_carry_the_registered_paths(database):
    registry, store = AdapterRegistry(database), CanaryStore(database)
    registry.register("medical-lora", "/adapters/medical/v1", base_model="base")
    registry.register("medical-lora", "/adapters/medical/v2", base_model="base")
    rollout = store.create("org_medical", "medical-lora", "v1", "v2", weight=10, mode="gateway",
                           policy={"steps": [10, 100]})
    with pytest.raises(Conflict, match="still running"):
        store.create("org_medical", "medical-lora", "v1", "v2", weight=10, mode="gateway", policy={})
    (active,) = store.running()
    assert (active.weight, active.stable_path, active.canary_path) == (10, "/adapters/medical/v1",
                                                                       "/adapters/medical/v2")
    with pytest.raises(InvalidRequest, match="outside 0..100"):
        store.update(rollout.id, weight=101)
    store.update(rollout.id, weight=50, step_index=1)
    store.add_event(rollout.id, "step", 50, "SLOs held", {"canary": {"requests": 40}})
    store.update(rollout.id, weight=0, status="rolled_back")
    assert store.running() == []
    assert store.latest("org_medical", "medical-lora").status == "rolled_back"
    (event,) = store.events(rollout.id)
    assert event["observed"] == {"canary": {"requests": 40}} and event["weight"] == 50
