from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.gateway_process import RunningGateway, start_gateway, tiny_model_config
from tests.services import fresh_postgres_database

TEST_POLICIES = Path(__file__).parent / "policies"


def lift_demo_limits(server: RunningGateway) -> None:
    """These tests exercise the protocol, not the limits (tests/metering does): give the demo tenants room."""
    for tenant in server.tenants:
        result = server.cli(
            "tenants", "update", tenant["org_id"], "--tps", "10000", "--rpm", "1000000", "--max-concurrent", "256"
        )
        assert result.returncode == 0, result.stderr
    added = server.cli(
        "tenants",
        "add",
        "org_open",
        "--name",
        "Open",
        "--guard-policy",
        "open",
        "--adapter",
        "ailydian-general",
        "--default-adapter",
        "ailydian-general",
        "--json",
    )
    assert added.returncode == 0, added.stderr
    key = server.cli("keys", "create", "--tenant", "org_open", "--json", check=True)
    server.tenants.append({"org_id": "org_open", "api_key": json.loads(key.stdout)["api_key"]})


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def gateway(request, tiny_model, tmp_path_factory):
    """A running `paramstack serve` with the demo tenants, on SQLite and on PostgreSQL."""
    model_dir, adapters_dir = tiny_model
    home = tmp_path_factory.mktemp(f"gateway-{request.param}")
    if request.param == "sqlite":
        server = start_gateway(
            home, tiny_model_config(model_dir, adapters_dir, guard={"policy_dir": str(TEST_POLICIES)})
        )
        lift_demo_limits(server)
        yield server
        server.stop()
        return
    with fresh_postgres_database() as url:
        server = start_gateway(
            home, tiny_model_config(model_dir, adapters_dir, database_url=url, guard={"policy_dir": str(TEST_POLICIES)})
        )
        lift_demo_limits(server)
        yield server
        server.stop()
