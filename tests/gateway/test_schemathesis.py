"""Property-based requests generated from the app's own OpenAPI schema: no input produces a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings


@pytest.fixture
def api_schema(gateway):
    return schemathesis.openapi.from_url(f"{gateway.root_url}/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_gives_a_server_error(case, gateway):
    # Tenant endpoints with a tenant key, admin endpoints with the admin key: the generated bodies reach
    # validation and the handlers, not just the authentication check.
    key = gateway.admin_key if case.path.startswith("/admin") else gateway.key("org_ailydian")
    response = case.call(headers={"authorization": f"Bearer {key}"}, timeout=60)
    assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:500])
    if response.status_code >= 400:
        assert "detail" not in response.json(), response.text[:300]
