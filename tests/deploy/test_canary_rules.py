"""The rules of a rollout, one at a time: policy files, decisions, sticky buckets, bad input."""

from __future__ import annotations

import asyncio
import json

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from paramstack.attest.keystore import SigningKeyStore
from paramstack.attest.manifest import write_manifest
from paramstack.deploy.canary_decision import decide
from paramstack.deploy.canary_metrics import VersionWindow, bucket_quantile, parse_exposition
from paramstack.deploy.canary_preflight import preflight
from paramstack.deploy.canary_store import CanaryStore
from paramstack.deploy.prometheus_source import PrometheusSource
from paramstack.deploy.slo_policy import parse_policy
from paramstack.engine.canary import ActiveRollout, CanarySplit, bucket
from paramstack.errors import ArtifactError, ConfigurationError, InvalidRequest, NotFound
from paramstack.observability.metrics import GatewayMetrics
from paramstack.registry import AdapterRegistry
from paramstack.storage.database import create_db_engine
from paramstack.storage.migrate import upgrade_to_head
from tests.deploy.servers import ThreadedServer

POLICY = {
    "steps": [10, 50, 100],
    "interval": "30s",
    "failure_threshold": 2,
    "min_requests": 20,
    "slo": {"max_error_rate": 0.02, "max_p95_latency_s": 2.0},
}


def window(requests=100, errors=0, p95=0.5, judge=None):
    return VersionWindow(
        requests=requests,
        errors=errors,
        guard_blocks=0,
        p95_latency_s=p95,
        p95_ttft_s=0.1,
        judge_mean=judge,
        judge_count=10 if judge is not None else 0,
    )


def test_policy_reads_durations_and_rejects_unknown_fields():
    policy = parse_policy(POLICY)
    assert policy.interval_s == 30.0 and policy.mode == "gateway"
    with pytest.raises(ConfigurationError, match=r"slo.max_eror_rate: Extra inputs are not permitted"):
        parse_policy({**POLICY, "slo": {**POLICY["slo"], "max_eror_rate": 0.1}})
    with pytest.raises(ConfigurationError, match=r"steps: .*step weight 150 is outside 1..100"):
        parse_policy({**POLICY, "steps": [10, 150]})
    with pytest.raises(ConfigurationError, match="step weights must increase"):
        parse_policy({**POLICY, "steps": [50, 10, 100]})
    with pytest.raises(ConfigurationError, match="is not a duration"):
        parse_policy({**POLICY, "interval": "soon"})


@pytest.mark.parametrize(
    ("kwargs", "observed", "expected"),
    [
        ({"step_index": 0, "failures": 0, "weight": 10}, window(), ("step", 50, 1, 0)),
        ({"step_index": 2, "failures": 0, "weight": 100}, window(), ("promote", 100, 2, 0)),
        ({"step_index": 1, "failures": 0, "weight": 50}, window(errors=10), ("fail", 50, 1, 1)),
        ({"step_index": 1, "failures": 1, "weight": 50}, window(errors=10), ("rollback", 0, 1, 2)),
        ({"step_index": 1, "failures": 0, "weight": 50}, window(p95=3.0), ("fail", 50, 1, 1)),
        ({"step_index": 0, "failures": 0, "weight": 10}, window(requests=5), ("hold", 10, 0, 0)),
        # Few requests, but the errors alone already exceed 2 % of min_requests: judged anyway.
        ({"step_index": 0, "failures": 1, "weight": 10}, window(requests=3, errors=3), ("rollback", 0, 0, 2)),
        ({"step_index": 0, "failures": 0, "weight": 10}, None, ("hold", 10, 0, 0)),
    ],
)
def test_decisions(kwargs, observed, expected):
    decision = decide(parse_policy(POLICY), window=observed, unavailable="down", **kwargs)
    assert (decision.action, decision.weight, decision.step_index, decision.failures) == expected


def test_judge_score_is_required_when_the_policy_asks_for_it():
    policy = parse_policy({**POLICY, "slo": {**POLICY["slo"], "min_judge_score": 0.7}})
    base = {"step_index": 0, "failures": 0, "weight": 10}
    assert decide(policy, window=window(), **base).action == "hold"  # no scores: never promote blind
    assert decide(policy, window=window(judge=0.5), **base).action == "fail"
    assert decide(policy, window=window(judge=0.9), **base).action == "step"


def test_buckets_are_sticky_and_stepping_up_only_adds_users():
    users = [f"user:{i}" for i in range(2000)]
    at_10 = {u for u in users if bucket(7, u) < 10}
    at_50 = {u for u in users if bucket(7, u) < 50}
    assert at_10 < at_50  # everyone on the canary at 10 % is still on it at 50 %
    assert 0.07 < len(at_10) / len(users) < 0.13 and 0.45 < len(at_50) / len(users) < 0.55
    assert all(bucket(7, u) == bucket(7, u) for u in users[:50])
    assert {u for u in users if bucket(8, u) < 10} != at_10  # each rollout picks other users


class FlakySource:
    def __init__(self) -> None:
        self.rollouts = [ActiveRollout(1, "org", "a", "v1", "v2", 100, "gateway")]
        self.broken = False

    def running(self):
        if self.broken:
            raise RuntimeError("database down")
        return self.rollouts


def test_split_keeps_serving_when_the_store_cannot_be_read():
    now = [0.0]
    source = FlakySource()
    split = CanarySplit(source, refresh_s=1.0, clock=lambda: now[0])
    assert split.assign("org", "a", "u").version == "v2"
    source.broken, now[0] = True, 5.0
    assert split.assign("org", "a", "u").version == "v2"  # last good view
    fresh = CanarySplit(source, refresh_s=1.0)
    assert fresh.assign("org", "a", "u") is None  # no view at all: the router serves the stable channel


def test_histogram_quantile_matches_prometheus():
    buckets = {0.1: 50.0, 0.5: 90.0, 1.0: 100.0, float("inf"): 100.0}
    assert bucket_quantile(0.5, buckets) == pytest.approx(0.1)
    assert bucket_quantile(0.95, buckets) == pytest.approx(0.75)
    assert bucket_quantile(0.95, {1.0: 0.0, float("inf"): 0.0}) is None


def test_gateway_metrics_parse_per_version():
    metrics = GatewayMetrics()
    for _ in range(9):
        metrics.version_requests.labels("org", "a", "v2", "ok").inc()
        metrics.version_duration.labels("org", "a", "v2").observe(0.2)
    metrics.version_requests.labels("org", "a", "v2", "error").inc()
    metrics.version_requests.labels("other", "a", "v2", "error").inc()
    counters = parse_exposition(metrics.render().decode(), "org", "a")
    result = VersionWindow.from_counters(counters["v2"])
    assert (result.requests, result.errors, result.error_rate) == (10, 1, 0.1)
    assert 0.1 < result.p95_latency_s <= 0.25


def test_prometheus_source_asks_promql_per_version():
    asked: list[str] = []

    async def query(request: Request) -> JSONResponse:
        promql = request.query_params["query"]
        asked.append(promql)
        if "by (outcome)" in promql:
            result = [
                {"metric": {"outcome": "ok"}, "value": [0, "95.2"]},
                {"metric": {"outcome": "error"}, "value": [0, "4.9"]},
            ]
        elif "histogram_quantile" in promql:
            result = [{"metric": {}, "value": [0, "0.42"]}]
        else:
            result = [{"metric": {}, "value": [0, "NaN"]}]
        return JSONResponse({"status": "success", "data": {"resultType": "vector", "result": result}})

    app = Starlette(routes=[Route("/api/v1/query", query)])

    async def go(url):
        source = PrometheusSource(url, 60)
        try:
            return await source.windows("org_medical", "medical-lora", ["v2"])
        finally:
            await source.aclose()

    with ThreadedServer(app) as server:
        result = asyncio.run(go(server.url))["v2"]
    assert (result.requests, result.errors, result.p95_latency_s, result.judge_mean) == (100, 5, 0.42, None)
    assert 'version="v2"' in asked[0] and "[60s]" in asked[0]


@pytest.fixture()
def database(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    upgrade_to_head(engine)
    yield engine
    engine.dispose()


def adapter_dir(root, name):
    directory = root / name
    directory.mkdir()
    (directory / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": 8}))
    (directory / "adapter_model.safetensors").write_bytes(b"weights")
    return directory


def test_bad_input_is_refused_before_any_traffic_moves(database, tmp_path):
    registry, store = AdapterRegistry(database), CanaryStore(database)
    keys = SigningKeyStore(tmp_path / "keys")
    keyring = keys.load_or_create()
    registry.register("medical-lora", str(adapter_dir(tmp_path, "v1")), base_model="base")
    with pytest.raises(NotFound, match="adapter 'medical-lora' has no version 'v9'"):
        preflight(registry, "medical-lora", "v9", keyring)
    # A signed adapter whose file changed after signing fails its manifest.
    signed = adapter_dir(tmp_path, "v2")
    write_manifest(signed, "adapter", keyring=keyring)
    registry.register("medical-lora", str(signed), base_model="base", version="v2")
    (signed / "adapter_model.safetensors").write_bytes(b"tampered")
    with pytest.raises(ArtifactError, match="medical-lora@v2 failed manifest verification"):
        preflight(registry, "medical-lora", "v2", keyring)
    not_lora = tmp_path / "v3"
    not_lora.mkdir()
    registry.register("medical-lora", str(not_lora), base_model="base", version="v3")
    with pytest.raises(ArtifactError, match="no adapter_config.json"):
        preflight(registry, "medical-lora", "v3", keyring)
    with pytest.raises(InvalidRequest, match="already the stable version"):
        preflight(registry, "medical-lora", "v1", keyring)
    # Percentages outside 0..100 never reach the store.
    rollout = store.create("org", "medical-lora", "v1", "v2", weight=10, mode="gateway", policy={})
    with pytest.raises(InvalidRequest, match="canary weight 150 is outside 0..100"):
        store.update(rollout.id, weight=150)
    with pytest.raises(InvalidRequest, match="outside 0..100"):
        store.create("org", "other", "v1", "v2", weight=-1, mode="gateway", policy={})
    assert store.get(rollout.id).weight == 10
    assert registry.current("medical-lora").version == "v1"  # the stable version never moved


def test_gateway_source_sums_replicas_and_survives_a_restart():
    from starlette.responses import Response

    from paramstack.deploy.canary_metrics import GatewayScrapeSource

    replicas = {"a": GatewayMetrics(), "b": GatewayMetrics()}
    for metrics in replicas.values():
        for _ in range(10):
            metrics.version_requests.labels("org", "a", "v2", "ok").inc()

    def app(name):
        async def render(_request):
            return Response(replicas[name].render(), media_type="text/plain")

        return Starlette(routes=[Route("/metrics", render)])

    async def go(urls):
        source = GatewayScrapeSource(urls)
        try:
            await source.windows("org", "a", ["v2"])  # baseline
            for _ in range(5):
                replicas["a"].version_requests.labels("org", "a", "v2", "ok").inc()
            replicas["b"] = GatewayMetrics()  # replica b restarted: its counters start again at 0
            for _ in range(2):
                replicas["b"].version_requests.labels("org", "a", "v2", "error").inc()
            return (await source.windows("org", "a", ["v2"]))["v2"]
        finally:
            await source.aclose()

    with ThreadedServer(app("a")) as a, ThreadedServer(app("b")) as b:
        result = asyncio.run(go([f"{a.url}/metrics", f"{b.url}/metrics"]))
    assert (result.requests, result.errors) == (7, 2)


def test_guard_blocks_count_against_the_version_that_caused_them():
    from types import SimpleNamespace

    from paramstack.calls import Outcome
    from paramstack.engine.version_tap import GuardBlockTap, VersionLabels

    metrics, passed_on = GatewayMetrics(), []

    class Inner:
        async def record(self, record):
            passed_on.append(record.outcome)

    def labels_for(org, engine_name):
        name, _, version = engine_name.partition("@")
        return VersionLabels(org, name, version) if version else None

    tap = GuardBlockTap(Inner(), metrics, labels_for)
    for outcome, adapter in (
        (Outcome.refused("content_policy_violation", 400), "medical-lora@v2"),
        (Outcome.error("content_policy_violation", 400), "medical-lora@v2"),
        (Outcome.refused("rate_limit_exceeded", 429), "medical-lora@v2"),
        (Outcome.refused("content_policy_violation", 400), "medical-lora"),
    ):
        record = SimpleNamespace(outcome=outcome, call=SimpleNamespace(adapter=adapter, org_id="org"))
        asyncio.run(tap.record(record))
    counters = parse_exposition(metrics.render().decode(), "org", "medical-lora")
    assert counters["v2"].outcomes == {"guard_blocked": 2.0}
    assert len(passed_on) == 4  # the audit log still gets every record


def test_sticky_key_prefers_the_user_field_then_the_api_key():
    from paramstack.engine.sticky import sticky_key

    assert sticky_key("alice", "key_1") == "user:alice"
    assert sticky_key(None, "key_1") == "key:key_1" != sticky_key(None, "key_2")
