"""The Grafana dashboards in deploy/grafana/ query only metrics the gateway really exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from paramstack.metering.metrics import MeteringMetrics
from paramstack.observability.metrics import GatewayMetrics
from paramstack.rag.metrics import RagMetrics

GRAFANA = Path(__file__).resolve().parents[2] / "deploy" / "grafana"
METRIC = re.compile(r"\b((?:paramstack|gen_ai)_[a-z0-9_]+)\s*[{\[]")  # a selector, not a label in by (...)
SUFFIXES = ("_bucket", "_sum", "_count")  # a histogram's series; counters' TYPE lines carry _total themselves


def exported_families() -> set[str]:
    metrics = GatewayMetrics()
    MeteringMetrics(metrics.registry)
    RagMetrics(metrics.registry)
    return set(re.findall(r"^# TYPE (\S+)", metrics.render().decode(), flags=re.MULTILINE))


@pytest.mark.parametrize("name", ["paramstack-gateway.json", "paramstack-rollout.json"])
def test_every_panel_queries_an_exported_metric(name):
    dashboard = json.loads((GRAFANA / name).read_text(encoding="utf-8"))
    families = exported_families()
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids)) and dashboard["uid"]
    for panel in dashboard["panels"]:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            names = METRIC.findall(target["expr"])
            assert names, target["expr"]
            for metric in names:
                family = next((metric.removesuffix(s) for s in SUFFIXES if metric.endswith(s)), metric)
                assert metric in families or family in families, (
                    f"{name}: panel {panel['title']!r} queries {metric}, which is not exported"
                )


def test_the_gateway_dashboard_covers_traffic_errors_latency_tokens_limits_and_guard():
    exprs = " ".join(
        t["expr"] for p in json.loads((GRAFANA / "paramstack-gateway.json").read_text())["panels"] for t in p["targets"]
    )
    for metric in (
        "paramstack_requests_total",
        "paramstack_http_errors_total",
        "gen_ai_server_request_duration_seconds_bucket",
        "gen_ai_server_time_to_first_token_seconds_bucket",
        "paramstack_tokens_total",
        "paramstack_admissions_total",
        "paramstack_guard_findings_total",
    ):
        assert metric in exprs, metric
