"""The tenants and keys commands, as a script would use them: --json documents and exit code 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


@pytest.fixture
def cli(tmp_path):
    env = {**os.environ, "PARAMSTACK_HOME": str(tmp_path)}
    env.pop("PARAMSTACK_CONFIG", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "paramstack", *args], env=env, capture_output=True, text=True, timeout=120
        )

    return run


def test_tenant_and_key_lifecycle(cli):
    added = cli(
        "tenants",
        "add",
        "org_startup",
        "--name",
        "Startup",
        "--tps",
        "2",
        "--rpm",
        "60",
        "--daily-tokens",
        "1000000",
        "--price-input",
        "0.0005",
        "--price-output",
        "0.0015",
        "--json",
    )
    assert added.returncode == 0, added.stderr
    tenant = json.loads(added.stdout)
    assert tenant["limits"] == {"tps": 2, "rpm": 60, "max_concurrent": 16, "daily_tokens": 1_000_000}
    assert tenant["pricing"]["input_per_1k_micros"] == 500 and tenant["pricing"]["output_per_1k"] == "0.0015"

    updated = json.loads(cli("tenants", "update", "org_startup", "--rpm", "30", "--json").stdout)
    assert updated["limits"]["rpm"] == 30 and updated["limits"]["tps"] == 2

    created = json.loads(cli("keys", "create", "--tenant", "org_startup", "--json").stdout)
    assert created["api_key"].startswith("psk-")
    listed = json.loads(cli("keys", "list", "--tenant", "org_startup", "--json").stdout)["keys"]
    assert [k["key_id"] for k in listed] == [created["key_id"]]
    assert created["api_key"] not in json.dumps(listed)  # secrets are never shown again
    revoked = json.loads(cli("keys", "revoke", created["key_id"], "--json").stdout)
    assert revoked["revoked_at"] is not None

    disabled = json.loads(cli("tenants", "disable", "org_startup", "--json").stdout)
    assert disabled["status"] == "disabled"
    assert json.loads(cli("tenants", "list", "--json").stdout)["tenants"][0]["org_id"] == "org_startup"


@pytest.mark.parametrize(
    "args",
    [
        ("tenants", "add", "org_x", "--tps", "0"),
        ("tenants", "add", "Bad Id"),
        ("tenants", "add", "org_x", "--price-input", "-1"),
        ("tenants", "add", "org_x", "--price-input", "0.0000001"),
        ("tenants", "show", "org_nobody"),
        ("keys", "create", "--tenant", "org_nobody"),
        ("keys", "create"),
        ("keys", "revoke", "key_nothing"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(cli, args):
    result = cli(*args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
