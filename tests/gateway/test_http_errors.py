"""Bad input over real HTTP: OpenAI error JSON with the right 4xx, never a 500 or FastAPI's {"detail": ...}."""

from __future__ import annotations

import json
import time

import httpx
import pytest

MODEL = "paramstack-tiny"


def post(gateway, path: str, *, key: str | None = None, headers: dict | None = None, **kwargs) -> httpx.Response:
    headers = {**(headers or {}), **({"authorization": f"Bearer {key}"} if key else {})}
    return httpx.post(f"{gateway.root_url}{path}", headers=headers, timeout=60, **kwargs)


def assert_openai_error(response: httpx.Response, status: int, *, param: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"message", "type", "param", "code"}
    assert body["error"]["message"]
    if param is not None:
        assert body["error"]["param"] == param
    return body["error"]


@pytest.mark.parametrize(
    ("payload", "param"),
    [
        ({"model": MODEL}, "messages"),
        ({"model": MODEL, "messages": "hi"}, "messages"),
        ({"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 0}, "max_tokens"),
        ({"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "max_tokens": "ten"}, "max_tokens"),
        ({"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "temperature": 7}, "temperature"),
        ({"model": MODEL, "messages": [{"role": "wizard", "content": "hi"}]}, "messages.0.role"),
        ({"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "n": 3}, "n"),
        ({"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "stop": ["a", "b", "c", "d", "e"]}, "stop"),
        ({"model": MODEL, "messages": [{"role": "user", "content": "  "}]}, None),
    ],
)
def test_invalid_chat_requests(gateway, payload, param):
    error = assert_openai_error(
        post(gateway, "/v1/chat/completions", key=gateway.key("org_legal"), json=payload), 400, param=param
    )
    assert error["type"] == "invalid_request_error"


def test_malformed_json(gateway):
    response = post(
        gateway,
        "/v1/chat/completions",
        key=gateway.key("org_legal"),
        content=b'{"model": ',
        headers={"content-type": "application/json"},
    )
    assert_openai_error(response, 400)


def test_body_over_the_limit_is_refused_before_reading_it(gateway):
    huge = json.dumps({"model": MODEL, "messages": [{"role": "user", "content": "x" * 2_000_000}]})
    response = post(
        gateway,
        "/v1/chat/completions",
        key=gateway.key("org_legal"),
        content=huge,
        headers={"content-type": "application/json"},
    )
    assert assert_openai_error(response, 413)["code"] == "request_too_large"


def test_missing_and_invalid_keys(gateway):
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}]}
    assert assert_openai_error(post(gateway, "/v1/chat/completions", json=body), 401)["code"] == "missing_api_key"
    assert_openai_error(post(gateway, "/v1/chat/completions", key="psk-nope", json=body), 401)
    assert_openai_error(httpx.get(f"{gateway.root_url}/v1/models", headers={"authorization": "Basic abc"}), 401)
    # A tenant key is not an admin key, and the other way round.
    assert_openai_error(
        httpx.get(f"{gateway.root_url}/admin/tenants", headers={"authorization": f"Bearer {gateway.key('org_legal')}"}),
        403,
    )
    assert_openai_error(post(gateway, "/v1/chat/completions", key=gateway.admin_key, json=body), 403)


def test_unknown_route_and_method(gateway):
    assert_openai_error(httpx.get(f"{gateway.root_url}/v1/nothing-here"), 404)
    assert_openai_error(httpx.get(f"{gateway.root_url}/v1/chat/completions"), 405)


def test_context_length_is_a_clear_400(gateway):
    long_prompt = "kelime " * 3000
    response = post(
        gateway,
        "/v1/chat/completions",
        key=gateway.key("org_legal"),
        json={"model": MODEL, "messages": [{"role": "user", "content": long_prompt}], "max_tokens": 4},
    )
    assert assert_openai_error(response, 400)["code"] == "context_length_exceeded"


def test_revoked_key_and_disabled_tenant(gateway):
    admin = {"authorization": f"Bearer {gateway.admin_key}"}
    created = httpx.post(
        f"{gateway.root_url}/admin/tenants",
        headers=admin,
        timeout=30,
        json={"org_id": f"org_tmp_{time.time_ns()}", "name": "Tmp", "models": [MODEL]},
    )
    assert created.status_code == 201, created.text
    org_id = created.json()["org_id"]
    key = httpx.post(f"{gateway.root_url}/admin/tenants/{org_id}/keys", headers=admin, json={"name": "t"}).json()
    models = f"{gateway.root_url}/v1/models"
    assert httpx.get(models, headers={"authorization": f"Bearer {key['api_key']}"}).status_code == 200
    assert httpx.delete(f"{gateway.root_url}/admin/keys/{key['key_id']}", headers=admin).status_code == 200
    assert_openai_error(httpx.get(models, headers={"authorization": f"Bearer {key['api_key']}"}), 401)

    second = httpx.post(f"{gateway.root_url}/admin/tenants/{org_id}/keys", headers=admin).json()
    # Disabled from the CLI (another process): the server notices within its cache TTL (5 s).
    assert gateway.cli("tenants", "disable", org_id).returncode == 0
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        response = httpx.get(models, headers={"authorization": f"Bearer {second['api_key']}"})
        if response.status_code != 200:
            break
        time.sleep(0.5)
    assert assert_openai_error(response, 403)["code"] == "tenant_disabled"


def test_admin_api_validates(gateway):
    admin = {"authorization": f"Bearer {gateway.admin_key}"}
    bad = httpx.post(
        f"{gateway.root_url}/admin/tenants",
        headers=admin,
        json={"org_id": "org_bad", "name": "Bad", "limits": {"rpm": -1}},
    )
    assert_openai_error(bad, 400)
    assert_openai_error(httpx.get(f"{gateway.root_url}/admin/tenants/org_nobody", headers=admin), 404)
    dup = httpx.post(f"{gateway.root_url}/admin/tenants", headers=admin, json={"org_id": "org_legal", "name": "x"})
    assert_openai_error(dup, 409)
    listed = httpx.get(f"{gateway.root_url}/admin/tenants", headers=admin).json()["data"]
    assert {"org_ailydian", "org_medical", "org_legal"} <= {t["org_id"] for t in listed}
