"""RLAIF against paramstack's own gateway: candidates from a tenant's adapter over the OpenAI API, and the
gateway's model as a judge (a tiny model never answers valid JSON: every prompt is retried, then recorded as
failed, with the tokens the gateway billed counted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.gateway_process import start_gateway, tiny_model_config

PARAMSTACK = [sys.executable, "-m", "paramstack"]


# A judge's rubric ("You are a strict evaluator... reply with JSON only") reads like a role-override to an
# injection classifier, and it also flags some demo prompts ("How would you explain solar system to a new
# colleague?"), so the loop's own tenant gets a policy without the input jailbreak block.
JUDGE_POLICY = """name: judge
extends: default
checks:
  - {id: jailbreak, enabled: false}
"""


@pytest.fixture(scope="module")
def gateway(tiny_model, tmp_path_factory):
    model_dir, adapters_dir = tiny_model
    home = tmp_path_factory.mktemp("rlaif-gateway")
    (home / "policies").mkdir()
    (home / "policies" / "judge.yaml").write_text(JUDGE_POLICY)
    server = start_gateway(
        home, tiny_model_config(model_dir, adapters_dir, guard={"policy_dir": str(home / "policies")})
    )
    added = server.cli(
        "tenants",
        "add",
        "loop",
        "--name",
        "Preference loop",
        "--model",
        "paramstack-tiny",
        "--adapter",
        "legal-lora",
        "--guard-policy",
        "judge",
        "--tps",
        "50",
        "--json",
    )
    assert added.returncode == 0, added.stderr
    key = server.cli("keys", "create", "--tenant", "loop", "--json")
    assert key.returncode == 0, key.stderr
    server.tenants.append(
        {
            "org_id": "loop",
            "api_key": json.loads(key.stdout)["api_key"],
            "models": ["paramstack-tiny", "paramstack-tiny:legal-lora"],
        }
    )
    yield server
    server.stop()


def _loop_key(gateway) -> str:
    return next(t["api_key"] for t in gateway.tenants if t["org_id"] == "loop")


def _rlaif(gateway, tmp_path, *args: str, key: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PARAMSTACK_HOME": str(tmp_path / "home"), "OPENAI_API_KEY": key}
    return subprocess.run([*PARAMSTACK, "rlaif", *args, "--json"], env=env, capture_output=True, text=True, timeout=300)


def test_candidates_from_the_gateway_judged_offline(gateway, demo_prompts, tmp_path):
    prompts, _ = demo_prompts
    output = tmp_path / "prefs.jsonl"
    result = _rlaif(
        gateway,
        tmp_path,
        "--prompts",
        str(prompts),
        "--output",
        str(output),
        "--limit",
        "3",
        "--model",
        f"openai:{gateway.base_url}#paramstack-tiny:legal-lora",
        "--max-tokens",
        "16",
        "--margin",
        "0",
        "--concurrency",
        "2",
        key=_loop_key(gateway),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert report["pairs"] + report["skipped"] == 3 and report["pairs"] >= 1
    pair = json.loads(output.read_text().splitlines()[0])
    assert pair["metadata"]["model"] == f"openai:{gateway.base_url}#paramstack-tiny:legal-lora"
    assert report["manifest"]["signed"] is False  # a bare .jsonl file cannot carry a manifest: said so


def test_the_gateway_as_judge_is_retried_and_failures_are_recorded_with_their_cost(
    gateway, demo_prompts, tmp_path, tiny_model
):
    model_dir, _ = tiny_model
    prompts, _ = demo_prompts
    output = tmp_path / "prefs.jsonl"
    result = _rlaif(
        gateway,
        tmp_path,
        "--prompts",
        str(prompts),
        "--output",
        str(output),
        "--limit",
        "2",
        "--model",
        str(model_dir),
        "--max-tokens",
        "8",
        "--concurrency",
        "1",
        "--judge",
        f"openai:{gateway.base_url}#paramstack-tiny",
        "--judge-retries",
        "1",
        "--judge-max-tokens",
        "24",
        "--judge-price-in",
        "500",
        "--judge-price-out",
        "1500",
        key=_loop_key(gateway),
    )
    assert result.returncode == 1, result.stderr[-2000:]  # finished, with failed prompts
    report = json.loads(result.stdout)
    assert report["failed"] == 2 and report["pairs"] == 0, report["failed_prompts"]
    usage = report["judge_usage_total"]
    assert usage["calls"] == 4 and usage["retries"] == 2 and usage["failures"] == 2
    assert usage["prompt_tokens"] > 0 and usage["cost_micros"] > 0, json.dumps(report)  # the gateway's usage, priced
    assert all("no valid verdict after 2 attempts" in f["reason"] for f in report["failed_prompts"])
