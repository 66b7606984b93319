"""The console's API against a real `paramstack serve`: sessions, CSRF, tenant isolation, form validation with
the CLI's rules, the audit trail of every change, and a quiet, readable start."""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from paramstack.tenancy.keys import hash_secret


def signed_in(root: str, api_key: str) -> tuple[httpx.Client, dict]:
    client = httpx.Client(base_url=root, timeout=30)
    response = client.post("/console/session", json={"api_key": api_key})
    assert response.status_code == 201, response.text
    return client, response.json()


def error_of(response: httpx.Response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and {"message", "type", "param", "code"} <= set(body["error"]), body
    return body["error"]


def test_the_page_and_its_assets_ship_in_the_package(console_gateway):
    root = console_gateway.root_url
    page = httpx.get(f"{root}/console/")
    assert page.status_code == 200 and "paramstack" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    for name in ("console.js", "pages.js", "tenants.js", "i18n.js", "console.css", "vendor/chart.umd.min.js"):
        assert httpx.get(f"{root}/console/static/{name}").status_code == 200, name
    licence = httpx.get(f"{root}/console/static/vendor/chart.js-LICENSE.md")
    assert licence.status_code == 200 and "MIT" in licence.text
    assert httpx.get(f"{root}/console/static/..%2F..%2Froutes.py").status_code == 404
    paths = httpx.get(f"{root}/openapi.json").json()["paths"]
    for path in (
        "/console/session",
        "/admin/overview",
        "/admin/usage/daily",
        "/admin/usage/export.csv",
        "/admin/cost-report",
        "/admin/guard/findings",
        "/admin/audit/status",
        "/admin/audit/export",
        "/admin/rollouts",
        "/admin/rollouts/{rollout_id}/{action}",
        "/admin/adapters",
        "/admin/adapters/{name}/{version}/provenance",
        "/admin/rag/collections",
    ):
        assert path in paths, path


def test_a_wrong_or_expired_session_gets_no_data(console_gateway):
    root = console_gateway.root_url
    for cookies in ({}, {"paramstack_console": "not-a-session"}):
        for path in ("/console/session", "/admin/overview", "/admin/tenants", "/admin/usage/daily"):
            response = httpx.get(f"{root}{path}", cookies=cookies)
            assert response.status_code == 401, (path, response.text)
            assert set(response.json()) == {"error"}

    client, session = signed_in(root, console_gateway.admin_key)
    cookie = client.cookies["paramstack_console"]
    assert client.get("/admin/overview").status_code == 200
    with sqlite3.connect(console_gateway.home / "paramstack.db") as db:  # the session's end passes
        db.execute(
            "UPDATE console_sessions SET expires_at = ? WHERE token_hash = ?",
            ((datetime.now(UTC) - timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S.%f"), hash_secret(cookie)),
        )
    assert client.get("/admin/overview").status_code == 401
    assert client.get("/console/session").status_code == 401
    assert error_of(client.get("/admin/tenants"))["code"] == "invalid_session"
    assert session["scope"] == "admin" and console_gateway.admin_key not in json.dumps(session)


def test_the_cookie_is_httponly_strict_and_a_change_needs_the_csrf_token(console_gateway):
    root = console_gateway.root_url
    client, session = signed_in(root, console_gateway.admin_key)
    set_cookie = (
        httpx.post(f"{root}/console/session", json={"api_key": console_gateway.admin_key}).headers["set-cookie"].lower()
    )
    assert "httponly" in set_cookie and "samesite=strict" in set_cookie and "max-age=" in set_cookie
    assert "secure" not in set_cookie  # plain HTTP here; Secure is set when the request came over TLS
    behind_tls = (
        httpx.post(
            f"{root}/console/session",
            json={"api_key": console_gateway.admin_key},
            headers={"x-forwarded-proto": "https"},
        )
        .headers["set-cookie"]
        .lower()
    )
    assert "; secure" in behind_tls  # uvicorn trusts the proxy header from 127.0.0.1

    tenant = {"org_id": "org_csrf", "name": "CSRF", "models": ["paramstack-tiny"]}
    missing = client.post("/admin/tenants", json=tenant)
    assert missing.status_code == 403 and error_of(missing)["code"] == "csrf_failed"
    wrong = client.post("/admin/tenants", json=tenant, headers={"x-csrf-token": "0" * 64})
    assert wrong.status_code == 403 and error_of(wrong)["code"] == "csrf_failed"
    assert client.delete("/console/session").status_code == 403  # signing out is a change too
    assert (
        httpx.get(
            f"{root}/admin/tenants/org_csrf", headers={"authorization": f"Bearer {console_gateway.admin_key}"}
        ).status_code
        == 404
    )
    made = client.post("/admin/tenants", json=tenant, headers={"x-csrf-token": session["csrf_token"]})
    assert made.status_code == 201, made.text

    assert client.delete("/console/session", headers={"x-csrf-token": session["csrf_token"]}).status_code == 200
    assert client.get("/admin/tenants").status_code == 401  # the cookie is gone, and so is its session


def test_forms_are_checked_with_the_cli_rules_and_name_the_field(console_gateway):
    client, session = signed_in(console_gateway.root_url, console_gateway.admin_key)
    csrf = {"x-csrf-token": session["csrf_token"]}
    base = {"org_id": "org_forms", "name": "Forms", "models": ["paramstack-tiny"]}
    cases = [
        ({"limits": {"tps": -1}}, "limits.tps", "greater than 0"),
        ({"limits": {"daily_tokens": 0}}, "limits.daily_tokens", "greater than 0"),
        ({"pricing": {"input_per_1k": "0,5"}}, "pricing.input_per_1k", "not a decimal number"),
        ({"pricing": {"output_per_1k": "-1"}}, "pricing.output_per_1k", "non-negative"),
        ({"guard_policy": "no-such-policy"}, "guard_policy", "does not exist"),
        ({"org_id": "Bad Id"}, "org_id", ""),
    ]
    for change, param, words in cases:
        response = client.post("/admin/tenants", json={**base, **change}, headers=csrf)
        error = error_of(response)
        assert response.status_code == 400 and error["param"] == param and words in error["message"], error
    assert (
        client.post("/admin/tenants", json={**base, "pricing": {"input_per_1k": "0.002"}}, headers=csrf).status_code
        == 201
    )
    patch = client.patch("/admin/tenants/org_forms", json={"limits": {"rpm": -5}}, headers=csrf)
    assert patch.status_code == 400 and error_of(patch)["param"] == "limits.rpm"
    shown = client.get("/admin/tenants/org_forms").json()
    assert shown["pricing"]["input_per_1k_micros"] == 2000 and shown["limits"]["rpm"] == 300  # nothing half-saved


def test_a_tenant_session_sees_its_own_tenant_only(console_gateway):
    root = console_gateway.root_url
    own, other = "org_ailydian", "org_medical"
    client, session = signed_in(root, console_gateway.key(own))
    assert session["scope"] == "tenant" and session["org_id"] == own
    for path in (
        f"/admin/tenants/{own}",
        f"/admin/tenants/{own}/keys",
        "/admin/overview",
        "/admin/usage/daily",
        f"/admin/usage/daily?tenant={own}",
        "/admin/guard/findings",
        "/admin/usage/export.csv",
    ):
        assert client.get(path).status_code == 200, path
    for path in (
        f"/admin/tenants/{other}",
        f"/admin/tenants/{other}/keys",
        f"/admin/overview?tenant={other}",
        f"/admin/usage/daily?tenant={other}",
        f"/admin/guard/findings?tenant={other}",
        f"/admin/usage/export.csv?tenant={other}",
    ):
        response = client.get(path)
        assert response.status_code == 404 and other in error_of(response)["message"], path
    for path in (
        "/admin/tenants",
        "/admin/rollouts",
        "/admin/audit/status",
        "/admin/adapters",
        "/admin/cost-report",
        "/admin/rag/collections",
        "/admin/audit/export",
    ):
        assert client.get(path).status_code == 403, path
    csrf = {"x-csrf-token": session["csrf_token"]}
    assert client.patch(f"/admin/tenants/{own}", json={"limits": {"tps": 1000}}, headers=csrf).status_code == 403
    assert client.post(f"/admin/tenants/{own}/keys", json={}, headers=csrf).status_code == 403
    keys = client.get(f"/admin/tenants/{own}/keys").json()["data"]
    assert keys and all("api_key" not in k and "secret_hash" not in k for k in keys)
    assert {r["org_id"] for r in client.get("/admin/overview").json()["windows"]["day"]} <= {own}


def test_revoking_a_key_ends_its_console_sessions(console_gateway):
    root = console_gateway.root_url
    admin = {"authorization": f"Bearer {console_gateway.admin_key}"}
    made = httpx.post(f"{root}/admin/tenants/org_legal/keys", json={"name": "short-lived"}, headers=admin).json()
    client, _ = signed_in(root, made["api_key"])
    assert client.get("/admin/tenants/org_legal").status_code == 200
    assert httpx.delete(f"{root}/admin/keys/{made['key_id']}", headers=admin).status_code == 200
    assert client.get("/admin/tenants/org_legal").status_code == 401
    assert httpx.post(f"{root}/console/session", json={"api_key": made["api_key"]}).status_code == 401


def test_every_change_is_audited_with_the_admin_key_and_no_secret_is_logged(console_gateway):
    root = console_gateway.root_url
    client, session = signed_in(root, console_gateway.admin_key)
    csrf = {"x-csrf-token": session["csrf_token"]}
    assert (
        client.post("/admin/tenants", json={"org_id": "org_audited", "name": "Audited"}, headers=csrf).status_code
        == 201
    )
    key = client.post("/admin/tenants/org_audited/keys", json={"name": "k"}, headers=csrf).json()
    assert client.patch("/admin/tenants/org_audited", json={"limits": {"tps": 7}}, headers=csrf).status_code == 200
    assert client.delete(f"/admin/keys/{key['key_id']}", headers=csrf).status_code == 200
    assert client.post("/admin/tenants/org_audited/disable", headers=csrf).status_code == 200

    export = client.get("/admin/audit/export", params={"tenant": "org_audited"})
    assert export.status_code == 200 and export.headers["content-type"].startswith("application/x-ndjson")
    entries = [json.loads(line) for line in export.text.splitlines()]
    assert [e["status"] for e in entries] == [
        "admin:tenant.add",
        "admin:key.create",
        "admin:tenant.update",
        "admin:key.revoke",
        "admin:tenant.disable",
    ]
    assert {e["api_key_id"] for e in entries} == {session["key_id"]}
    assert key["key_id"] in entries[1]["request_id"]
    status = client.get("/admin/audit/status").json()
    assert status["valid"] is True and status["verified_up_to_seq"] == status["head_seq"] >= len(entries)

    log = (console_gateway.home / "serve.log").read_text(encoding="utf-8")
    for secret in (console_gateway.admin_key, key["api_key"], client.cookies["paramstack_console"]):
        assert secret not in log and secret not in export.text


@pytest.mark.parametrize("log_format", ["auto", "text"])
def test_serve_starts_quietly_and_readably(console_gateway, log_format):
    """Its output here is a file, not a terminal: JSON lines only, no progress bars, no library warnings."""
    lines = (console_gateway.home / "serve.log").read_text(encoding="utf-8").splitlines()
    assert lines and all(json.loads(line)["level"] for line in lines)
    assert not any("Warning" in line or "Loading weights" in line for line in lines)
    assert not any("color_message" in line for line in lines)

    import logging

    from paramstack.observability.logging import JsonFormatter, TextFormatter, make_formatter, use_text

    record = logging.LogRecord("paramstack.gateway", logging.INFO, __file__, 1, "gateway ready", (), None)
    record.models = ["paramstack-tiny"]
    assert isinstance(make_formatter("json"), JsonFormatter) and not use_text("auto")  # pytest's stderr: no tty
    text = TextFormatter().format(record)
    assert "INFO" in text and "gateway ready" in text and "models=paramstack-tiny" in text and "{" not in text
    assert use_text(log_format) == (log_format == "text")

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert use_text("auto", Terminal()) and not use_text("json", Terminal())  # a person at a terminal reads lines
