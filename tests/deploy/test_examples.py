"""The shipped examples stay valid: deploy config, SLO policy, gateway settings, Grafana dashboard."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from paramstack.deploy.config_file import load_deploy_config
from paramstack.deploy.slo_policy import load_policy
from paramstack.deploy.vllm_command import build_launch
from paramstack.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_examples_load(tmp_path):
    config = load_deploy_config(ROOT / "examples" / "deploy.yaml")
    assert "--enable-lora" in build_launch(config.vllm).argv
    policy = load_policy(ROOT / "examples" / "canary-policy.yaml")
    assert policy.steps == [10, 50, 100] and policy.interval_s == 120
    gateway = yaml.safe_load((ROOT / "examples" / "gateway-vllm.yaml").read_text())
    settings = Settings(home=tmp_path, **gateway)
    assert settings.models[0].fallback_model == "external"
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "paramstack-rollout.json").read_text())
    assert any("paramstack_adapter_version_requests_total" in p["targets"][0]["expr"] for p in dashboard["panels"])
