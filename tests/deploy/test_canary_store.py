"""The rollout store on both databases: what the gateway replicas read and the controller writes."""

from __future__ import annotations

import pytest

from paramstack.deploy.canary_store import CanaryStore
from paramstack.errors import Conflict, InvalidRequest
from paramstack.registry import AdapterRegistry


def test_running_rollouts_carry_the_registered_paths(database):
    registry, store = AdapterRegistry(database), CanaryStore(database)
    registry.register("medical-lora", "/adapters/medical/v1", base_model="base")
    registry.register("medical-lora", "/adapters/medical/v2", base_model="base")
    rollout = store.create(
        "org_medical", "medical-lora", "v1", "v2", weight=10, mode="gateway", policy={"steps": [10, 100]}
    )
    with pytest.raises(Conflict, match="still running"):
        store.create("org_medical", "medical-lora", "v1", "v2", weight=10, mode="gateway", policy={})
    (active,) = store.running()
    assert (active.weight, active.stable_path, active.canary_path) == (
        10,
        "/adapters/medical/v1",
        "/adapters/medical/v2",
    )
    with pytest.raises(InvalidRequest, match="outside 0..100"):
        store.update(rollout.id, weight=101)
    store.update(rollout.id, weight=50, step_index=1)
    store.add_event(rollout.id, "step", 50, "SLOs held", {"canary": {"requests": 40}})
    store.update(rollout.id, weight=0, status="rolled_back")
    assert store.running() == []
    assert store.latest("org_medical", "medical-lora").status == "rolled_back"
    (event,) = store.events(rollout.id)
    assert event["observed"] == {"canary": {"requests": 40}} and event["weight"] == 50
