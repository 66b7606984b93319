"""Failed keys contained, through real HTTP into the real app: after N failures an address gets 429 with
Retry-After in OpenAI's shape, other addresses and known keys are untouched, X-Forwarded-For counts only from
configured proxies, malformed headers cost no query, and failures reach the audit chain as one signed summary
per interval (not one entry per request)."""

from __future__ import annotations

import secrets
import time
import uuid
from collections import Counter

import httpx
import pytest

from paramstack.attest.audit import AuditLog
from paramstack.attest.audit_verify import verify_audit_chain
from paramstack.attest.keystore import SigningKeyStore
from paramstack.metering.settings import MeteringSettings
from paramstack.tenancy.settings import AuthSettings
from tests.gateway.inprocess_gateway import MODEL, KeyLookups, inprocess_gateway
from tests.services import REDIS_URL, fresh_postgres_database, redis_reachable, require_service

FLOODER, OTHER = "203.0.113.66", "198.51.100.7"


@pytest.fixture(params=["sqlite+memory", "postgresql+redis"])
def backend(request, tmp_path):
    """(database URL, Redis URL or None): one replica's defaults, and the multi-replica stores."""
    if request.param == "sqlite+memory":
        yield f"sqlite:///{tmp_path / 'paramstack.db'}", None
        return
    require_service("Redis", redis_reachable(), REDIS_URL)
    with fresh_postgres_database() as url:
        yield url, REDIS_URL


def gateway_on(backend, tmp_path, **auth):
    database_url, redis_url = backend
    settings = {"auth": AuthSettings(**{"max_failures": 5, "failure_summary_interval_s": 0.3, **auth})}
    if redis_url:
        settings |= {
            "redis_url": redis_url,
            "metering": MeteringSettings(redis_key_prefix=f"paramstack-test-{uuid.uuid4().hex[:8]}:"),
        }
    return inprocess_gateway(tmp_path / "home", database_url, **settings)


def chat(gw, key: str, *, address: str | None = None, **extra) -> httpx.Response:
    headers = {"authorization": f"Bearer {key}"} | ({"x-forwarded-for": address} if address else {})
    return httpx.post(
        f"{gw.url}/v1/chat/completions",
        headers=headers,
        timeout=30,
        json={"model": MODEL, "messages": [{"role": "user", "content": "hi"}], **extra},
    )


def random_key() -> str:
    return "psk-" + secrets.token_urlsafe(32)


def assert_openai_error(response: httpx.Response, status: int, error_type: str) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["type"] == error_type
    return error


def test_an_address_that_keeps_failing_gets_429_and_nobody_else_notices(backend, tmp_path):
    with gateway_on(backend, tmp_path, trusted_proxies=["127.0.0.1/32"]) as gw:
        lookups = KeyLookups(gw.services.database)
        assert chat(gw, gw.api_key, address=FLOODER).status_code == 200  # the tenant shares the flooder's NAT
        for _ in range(5):
            assert_openai_error(chat(gw, random_key(), address=FLOODER), 401, "invalid_request_error")
        refused = chat(gw, random_key(), address=FLOODER)
        error = assert_openai_error(refused, 429, "rate_limit_error")
        assert error["code"] == "too_many_failed_authentications"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert chat(gw, "not even a key", address=FLOODER).status_code == 429
        assert chat(gw, gw.api_key, address=FLOODER).status_code == 200  # a known key still works from there
        assert_openai_error(chat(gw, random_key(), address=OTHER), 401, "invalid_request_error")  # not 429
        assert lookups.count <= 5 + 1 + 1  # the flood's 5, the tenant's first, the other address's one

        metrics = httpx.get(gw.metrics_url).text
        assert 'paramstack_auth_failures_total{code="invalid_api_key"} 6.0' in metrics
        assert "paramstack_auth_throttled_total 2.0" in metrics

        log = AuditLog(gw.services.database)
        deadline = time.monotonic() + 10
        while True:
            summaries = [e for e in log.export() if e["status"] == "auth_failures"]
            counts = sum((Counter(s["guard"]) for s in summaries), Counter())
            if counts.total() >= 8 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert counts == {FLOODER: 7, OTHER: 1}  # 5 x 401 and 2 x 429 from the flooder
        assert all(s["org_id"] == "-" and s["http_status"] == 401 for s in summaries)
        assert not [e for e in log.export() if e["status"] != "auth_failures" and e["http_status"] in (401, 429)]
        keyring = SigningKeyStore(gw.settings.attest.resolved_keys_dir(gw.settings.home)).current()
        verdict = verify_audit_chain(gw.services.database, keyring)
        assert verdict.valid, verdict.findings
        assert log.checkpoints() and log.checkpoints()[-1].seq == log.head().seq  # the summary is signed


def test_x_forwarded_for_from_an_untrusted_peer_does_not_escape_the_limit(tmp_path):
    with gateway_on((f"sqlite:///{tmp_path / 'p.db'}", None), tmp_path, trusted_proxies=[]) as gw:
        statuses = [chat(gw, random_key(), address=f"192.0.2.{i}").status_code for i in range(7)]
        assert statuses == [401] * 5 + [429] * 2


@pytest.mark.parametrize(
    "header",
    [
        b"",
        b"Bearer",
        b"Basic dXNlcjpwYXNz",
        b"Token psk-abc",
        b"psk-abc",
        b"Bearer psk-abc def",
        b"Bearer psk-" + b"a" * 20_000,
        b"Bearer psk-\xc3\xa9t\xc3\xa9",
        b"Bearer psk-\xff\xfe",
        b"Bearer \tpsk-\tx",
        b"Bearer Bearer psk-abc",
        b"Bearer psk-abc,psk-def",
        b"bearer psk-" + b"%" * 43,
    ],
    ids=lambda h: repr(h[:40]),
)  # what HTTP can carry; the unit tests add NUL, CR/LF, DEL and friends
def test_every_malformed_authorization_header_is_a_401_in_openai_shape_without_a_query(header, tmp_path):
    with gateway_on((f"sqlite:///{tmp_path / 'p.db'}", None), tmp_path, max_failures=1000) as gw:
        lookups = KeyLookups(gw.services.database)
        for path in ("/v1/chat/completions", "/v1/models", "/admin/tenants"):
            method = httpx.post if path.endswith("completions") else httpx.get
            response = method(
                f"{gw.url}{path}",
                headers=[(b"authorization", header)],
                timeout=30,
                **(
                    {"json": {"model": MODEL, "messages": [{"role": "user", "content": "hi"}]}}
                    if method is httpx.post
                    else {}
                ),
            )
            error = assert_openai_error(response, 401, "invalid_request_error")
            assert error["code"] in ("invalid_api_key", "missing_api_key", "invalid_session")  # /admin: a console too
        assert lookups.count == 0


def test_metrics_are_not_on_the_public_port_and_health_carries_no_tenant_data(tmp_path):
    with gateway_on((f"sqlite:///{tmp_path / 'p.db'}", None), tmp_path) as gw:
        assert chat(gw, gw.api_key).status_code == 200
        assert_openai_error(httpx.get(f"{gw.url}/metrics"), 404, "invalid_request_error")
        assert_openai_error(
            httpx.get(f"{gw.url}/metrics", headers={"authorization": f"Bearer {gw.api_key}"}),
            404,
            "invalid_request_error",
        )
        scraped = httpx.get(gw.metrics_url)
        assert scraped.status_code == 200 and 'tenant="org_steady"' in scraped.text
        for path in ("/healthz", "/readyz"):
            health = httpx.get(f"{gw.url}{path}")
            assert health.status_code == 200 and "org_steady" not in health.text


def test_with_a_bearer_token_the_public_port_serves_metrics_to_that_token_only(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'p.db'}"
    token = secrets.token_urlsafe(24)
    with inprocess_gateway(tmp_path / "home", database_url, metrics={"bearer_token": token}) as gw:
        assert chat(gw, gw.api_key).status_code == 200
        for wrong in (None, f"Bearer {gw.api_key}", f"Bearer {token}x", token):
            headers = {"authorization": wrong} if wrong else {}
            assert_openai_error(httpx.get(f"{gw.url}/metrics", headers=headers), 401, "invalid_request_error")
        scraped = httpx.get(f"{gw.url}/metrics", headers={"authorization": f"Bearer {token}"})
        assert scraped.status_code == 200 and 'tenant="org_steady"' in scraped.text


@pytest.mark.redis
@pytest.mark.postgres
def test_replicas_share_the_count_through_redis(tmp_path):
    require_service("Redis", redis_reachable(), REDIS_URL)
    prefix = f"paramstack-test-{uuid.uuid4().hex[:8]}:"
    settings = {
        "auth": AuthSettings(max_failures=6),
        "redis_url": REDIS_URL,
        "metering": MeteringSettings(redis_key_prefix=prefix),
    }
    with (
        fresh_postgres_database() as url,
        inprocess_gateway(tmp_path / "a", url, **settings) as a,
        inprocess_gateway(tmp_path / "b", url, **settings) as b,
    ):
        statuses = [chat(replica, random_key()).status_code for replica in (a, b) * 4]
    assert statuses == [401] * 6 + [429] * 2  # 3 failures on each replica fill the shared window


def test_a_burst_of_connections_with_a_key_this_replica_has_not_seen_is_not_a_flood(tmp_path):
    """64 connections open at once with a valid key the gateway has not cached yet: one lookup, no 429."""
    import asyncio

    with gateway_on((f"sqlite:///{tmp_path / 'p.db'}", None), tmp_path) as gw:  # max_failures=5
        lookups = KeyLookups(gw.services.database)

        async def burst() -> list[int]:
            async with httpx.AsyncClient(base_url=gw.url, timeout=60, limits=httpx.Limits(max_connections=64)) as c:
                calls = [c.get("/v1/models", headers={"authorization": f"Bearer {gw.api_key}"}) for _ in range(64)]
                return [r.status_code for r in await asyncio.gather(*calls)]

        assert asyncio.run(burst()) == [200] * 64
        assert lookups.count == 1
