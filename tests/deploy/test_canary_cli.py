"""`paramstack canary ...` from a shell: bad input is one clear line and exit code 2, nothing changes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import yaml

from paramstack.registry import AdapterRegistry
from paramstack.storage.database import create_db_engine
from paramstack.storage.migrate import upgrade_to_head
from paramstack.tenancy.models import TenantSpec
from paramstack.tenancy.store import TenantStore

POLICY = {"steps": [10, 100], "interval": "1s", "slo": {"max_error_rate": 0.02, "max_p95_latency_s": 2}}


def cli(home, *args):
    env = {**os.environ, "PARAMSTACK_HOME": str(home)}
    env.pop("PARAMSTACK_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "paramstack", "canary", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_cli_refuses_bad_input_and_reports_status(tmp_path):
    database = create_db_engine(f"sqlite:///{tmp_path / 'paramstack.db'}")
    upgrade_to_head(database)
    TenantStore(database).add("org_medical", TenantSpec(name="Medical", adapters=["medical-lora"]))
    adapter = tmp_path / "v1"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": 8}))
    AdapterRegistry(database).register("medical-lora", str(adapter), base_model="paramstack-tiny")
    database.dispose()
    good, typo = tmp_path / "policy.yaml", tmp_path / "typo.yaml"
    good.write_text(yaml.safe_dump(POLICY))
    typo.write_text(yaml.safe_dump({**POLICY, "failure_treshold": 3}))
    run = ["run", "--tenant", "org_medical", "--adapter", "medical-lora"]

    missing = cli(tmp_path, *run, "--version", "v9", "--policy", str(good))
    assert missing.returncode == 2
    assert missing.stderr.strip() == "error: adapter 'medical-lora' has no version 'v9'"

    judged = tmp_path / "judged.yaml"
    judged.write_text(yaml.safe_dump({**POLICY, "slo": {**POLICY["slo"], "min_judge_score": 0.7}}))
    unjudged = cli(tmp_path, *run, "--version", "v1", "--policy", str(judged))
    assert unjudged.returncode == 2  # it would hold forever: nothing records the judge score
    assert "min_judge_score" in unjudged.stderr and "canary.judge" in unjudged.stderr

    unknown = cli(tmp_path, *run, "--version", "v2", "--policy", str(typo))
    assert unknown.returncode == 2 and "failure_treshold: Extra inputs are not permitted" in unknown.stderr

    status = cli(tmp_path, "status", "--json")
    assert status.returncode == 0 and json.loads(status.stdout) == {"rollouts": []}
