"""Kubernetes mode: the controller patches the InferenceService's canaryTrafficPercent.

No Kubernetes cluster can run here, so the API server is a stand-in HTTP server that records what the real
``kubernetes`` client sends (method, path, content type, body) and answers like the API server does.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from kubernetes import client

from paramstack.deploy.canary_controller import CanaryController
from paramstack.deploy.canary_metrics import VersionWindow
from paramstack.deploy.canary_notify import CanaryNotifier
from paramstack.deploy.canary_store import CanaryStore
from paramstack.deploy.kserve_actuator import KServeActuator, KubernetesUnavailable
from paramstack.deploy.slo_policy import parse_policy
from paramstack.registry import AdapterRegistry
from paramstack.storage.database import create_db_engine
from paramstack.storage.migrate import upgrade_to_head
from tests.deploy.servers import Recorder, ThreadedServer

ISVC_PATH = "/apis/serving.kserve.io/v1beta1/namespaces/ailydian-prod/inferenceservices/ailydian-vllm"
TARGET = {"namespace": "ailydian-prod", "inference_service": "ailydian-vllm"}


def api_client(url: str) -> client.ApiClient:
    configuration = client.Configuration()
    configuration.host = url
    return client.ApiClient(configuration)


@pytest.fixture()
def api_server():
    recorder = Recorder(
        {
            "apiVersion": "serving.kserve.io/v1beta1",
            "kind": "InferenceService",
            "metadata": {"name": "ailydian-vllm", "namespace": "ailydian-prod"},
        }
    )
    with ThreadedServer(recorder.app) as server:
        yield recorder, server.url


def test_weight_is_sent_as_a_strict_merge_patch(api_server):
    recorder, url = api_server
    actuator = KServeActuator(
        parse_policy({"slo": {"max_error_rate": 0.01, "max_p95_latency_s": 1}, "kubernetes": TARGET}).kubernetes,
        api_client(url),
    )
    asyncio.run(actuator.set_weight(30))
    (patch,) = recorder.requests
    assert (patch.method, patch.path) == ("PATCH", ISVC_PATH)
    assert patch.headers["content-type"] == "application/merge-patch+json"
    assert "fieldValidation=Strict" in patch.query
    assert patch.body == {"spec": {"predictor": {"canaryTrafficPercent": 30}}}


def test_api_errors_are_reported_clearly():
    refusing = Recorder({"kind": "Status", "message": "forbidden"}, status=403)

    async def go(url):
        target = parse_policy({"slo": {"max_error_rate": 0.01, "max_p95_latency_s": 1}, "kubernetes": TARGET})
        await KServeActuator(target.kubernetes, api_client(url)).set_weight(10)

    with ThreadedServer(refusing.app) as server, pytest.raises(KubernetesUnavailable, match="403"):
        asyncio.run(go(server.url))


class FailingCanary:
    """A metrics source where the canary fails every request (the controller logic is the real one)."""

    async def windows(self, tenant, adapter, versions):
        bad = VersionWindow(50, 50, 0, 0.1, 0.05, None, 0)
        good = VersionWindow(200, 0, 0, 0.1, 0.05, None, 0)
        return {v: (bad if v == "v2" else good) for v in versions}

    async def aclose(self):
        pass


def test_controller_steps_the_inference_service_and_rolls_it_back(api_server, tmp_path):
    recorder, url = api_server
    database = create_db_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    upgrade_to_head(database)
    registry = AdapterRegistry(database)
    for version in ("v1", "v2"):
        registry.register(
            "medical-lora", f"/mnt/adapters/medical-lora/{version}", base_model="mistral-7b", version=version
        )
    policy = parse_policy(
        {
            "steps": [10, 50, 100],
            "interval": 0.01,
            "failure_threshold": 1,
            "slo": {"max_error_rate": 0.01, "max_p95_latency_s": 1},
            "kubernetes": TARGET,
        }
    )

    async def no_wait(_seconds):
        return None

    controller = CanaryController(
        CanaryStore(database),
        registry,
        FailingCanary(),
        CanaryNotifier(),
        kserve=KServeActuator(policy.kubernetes, api_client(url)),
        sleep=no_wait,
    )

    async def go():
        rollout = await controller.start("org_medical", "medical-lora", "v1", "v2", policy)
        return await controller.run(rollout.id, max_intervals=3)

    final = asyncio.run(go())
    assert final.status == "rolled_back" and final.mode == "kserve"
    sent = [json.dumps(r.body) for r in recorder.requests if r.method == "PATCH"]
    assert sent == [
        json.dumps({"spec": {"predictor": {"canaryTrafficPercent": 10}}}),
        json.dumps({"spec": {"predictor": {"canaryTrafficPercent": 0}}}),
    ]
    database.dispose()
