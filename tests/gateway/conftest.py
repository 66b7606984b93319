from __future__ import annotations

import pytest

from tests.gateway_process import start_gateway, tiny_model_config
from tests.services import fresh_postgres_database


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def gateway(request, tiny_model, tmp_path_factory):
    """A running `paramstack serve` with the demo tenants, on SQLite and on PostgreSQL."""
    model_dir, adapters_dir = tiny_model
    home = tmp_path_factory.mktemp(f"gateway-{request.param}")
    if request.param == "sqlite":
        server = start_gateway(home, tiny_model_config(model_dir, adapters_dir))
        yield server
        server.stop()
        return
    with fresh_postgres_database() as url:
        server = start_gateway(home, tiny_model_config(model_dir, adapters_dir, database_url=url))
        yield server
        server.stop()
