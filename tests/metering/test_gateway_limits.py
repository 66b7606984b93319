"""Limits, quotas and the ledger across real gateway replicas sharing Redis and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import time
import uuid
from dataclasses import dataclass

import httpx
import openai
import pytest

from tests.gateway_process import start_gateway
from tests.metering.cluster import FAST_MODEL, SLOW_MODEL, Cluster, metric, start_stub, stub_models
from tests.metering.tcp_proxy import TcpProxy
from tests.services import REDIS_URL, fresh_postgres_database, redis_reachable, require_service

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    require_service("Redis", redis_reachable(), REDIS_URL)
    fast, slow = start_stub(delay_ms=20), start_stub(token_delay_ms=30)
    with fresh_postgres_database() as database_url:
        config = {
            "models": stub_models(fast, slow),
            "database_url": database_url,
            "redis_url": REDIS_URL,
            "log_level": "warning",
            "metering": {"redis_key_prefix": f"paramstack-test:{uuid.uuid4().hex[:8]}:"},
        }
        replicas = Cluster(config, database_url)
        try:
            replicas.start_replica(tmp_path_factory.mktemp("replica-a"))
            replicas.start_replica(tmp_path_factory.mktemp("replica-b"))
            yield replicas
        finally:
            replicas.stop()
            fast.stop()
            slow.stop()


def serve_log_errors(cluster: Cluster) -> list[str]:
    lines = [line for r in cluster.replicas for line in (r.home / "serve.log").read_text().splitlines()]
    return [line[:400] for line in lines if '"level": "error"' in line][:5]


@dataclass
class Reply:
    request_id: str
    sent: float
    received: float
    prompt_tokens: int
    completion_tokens: int
    replica: int


def body(model: str = FAST_MODEL, *, words: int = 3, max_tokens: int = 4, stream: bool = False) -> dict:
    request = {
        "model": model,
        "messages": [{"role": "user", "content": " ".join(["söz"] * words)}],
        "max_tokens": max_tokens,
        "stream": stream,
    }
    if stream:
        request["stream_options"] = {"include_usage": True}
    return request


async def send(
    http: httpx.AsyncClient, base_url: str, key: str, request: dict, replica: int
) -> tuple[httpx.Response, Reply | None]:
    """One call; a Reply only when the whole response was delivered (a stream: through its [DONE])."""
    sent = time.time()
    headers = {"authorization": f"Bearer {key}"}
    if not request["stream"]:
        response = await http.post(f"{base_url}/chat/completions", json=request, headers=headers)
        if response.status_code != 200:
            return response, None
        data = response.json()
        return response, Reply(
            data["id"], sent, time.time(), data["usage"]["prompt_tokens"], data["usage"]["completion_tokens"], replica
        )
    async with http.stream("POST", f"{base_url}/chat/completions", json=request, headers=headers) as response:
        if response.status_code != 200:
            await response.aread()
            return response, None
        usage, request_id, done = None, None, False
        async for line in response.aiter_lines():
            if line == "data: [DONE]":
                done = True
            elif line.startswith("data: "):
                chunk = json.loads(line.removeprefix("data: "))
                request_id = chunk.get("id", request_id)
                usage = chunk.get("usage") or usage
        if not done or usage is None:
            return response, None
        return response, Reply(
            request_id, sent, time.time(), usage["prompt_tokens"], usage["completion_tokens"], replica
        )


@pytest.mark.slow
def test_rpm_holds_across_two_replicas_for_64_clients_over_65_seconds(cluster):
    org_id, key = cluster.tenant(rpm=100, tps=100, max_concurrent=64, daily_tokens=10_000_000)
    accepted: list[Reply] = []
    unexpected: list[str] = []
    rng = random.Random(5)

    async def client(index: int, deadline: float) -> None:
        replica = index % 2
        async with httpx.AsyncClient(timeout=30) as http:
            while time.monotonic() < deadline:
                response, reply = await send(http, cluster.replicas[replica].base_url, key, body(), replica)
                if reply is not None:
                    accepted.append(reply)
                elif response.status_code == 429:
                    assert "x-ratelimit-remaining-requests" in response.headers
                    # Obey Retry-After when it is short: everyone comes back exactly at a window edge.
                    await asyncio.sleep(min(int(response.headers["retry-after-ms"]) / 1000, rng.uniform(0.3, 1.0)))
                else:
                    unexpected.append(f"{response.status_code} {response.text[:200]}")

    async def run() -> None:
        deadline = time.monotonic() + 65
        await asyncio.gather(*(client(i, deadline) for i in range(64)))

    asyncio.run(run())
    assert not unexpected, (len(unexpected), unexpected[:3], serve_log_errors(cluster))
    # Client side: a call is admitted between its send and its reply, so no 101 sends may fall within
    # 60 s minus the slowest reply (that would put 101 admissions inside one 60-second window).
    slowest = max(r.received - r.sent for r in accepted)
    sends = sorted(r.sent for r in accepted)
    assert all(later - earlier >= 60 - slowest for earlier, later in zip(sends, sends[100:], strict=False))
    # Ledger side, exact: admissions stamped by Redis's clock; the 101st is at least 60 s after the 1st.
    ledger = cluster.ledger(org_id)
    assert {row["request_id"] for row in ledger} == {r.request_id for r in accepted}
    admitted = sorted(int(row["admitted_at"].timestamp() * 1000) for row in ledger)
    assert all(later - earlier >= 60_000 for earlier, later in zip(admitted, admitted[100:], strict=False))
    # Shared, not per replica: both served, and together they admitted the limit, not twice it.
    assert {r.replica for r in accepted} == {0, 1}
    assert 100 <= len(accepted) <= 200
    busiest = max(sum(1 for t in admitted if start <= t < start + 60_000) for start in admitted)
    print(
        f"accepted {len(accepted)} in 65 s; busiest 60-s window (Redis clock): {busiest}; slowest reply {slowest:.3f} s"
    )


def test_concurrent_random_requests_never_exceed_the_daily_quota(cluster):
    quota = 3_000
    org_id, key = cluster.tenant(rpm=100_000, tps=10_000, max_concurrent=64, daily_tokens=quota)
    rng = random.Random(3)
    accepted: list[Reply] = []
    codes: list[str] = []

    async def client(index: int) -> None:
        async with httpx.AsyncClient(timeout=30) as http:
            for _ in range(6):
                request = body(words=rng.randint(1, 30), max_tokens=rng.randint(1, 64), stream=rng.random() < 0.5)
                response, reply = await send(http, cluster.replicas[index % 2].base_url, key, request, index % 2)
                if reply is not None:
                    accepted.append(reply)
                else:
                    codes.append(json.loads(response.text.split("\n")[0]).get("error", {}).get("code"))

    async def run() -> None:
        await asyncio.gather(*(client(i) for i in range(32)))

    asyncio.run(run())
    spent = sum(r.prompt_tokens + r.completion_tokens for r in accepted)
    assert 0 < spent <= quota
    assert codes and set(codes) == {"insufficient_quota"}
    ledger = {row["request_id"]: row for row in cluster.ledger(org_id)}
    assert set(ledger) == {r.request_id for r in accepted}
    assert sum(row["prompt_tokens"] + row["completion_tokens"] for row in ledger.values()) == spent


def test_kill_9_of_a_replica_under_load_loses_no_delivered_usage(cluster, tmp_path):
    org_id, key = cluster.tenant(rpm=100_000, tps=10_000, max_concurrent=512, daily_tokens=10**9)
    victim = cluster.start_replica(tmp_path / "victim")
    targets = [cluster.replicas[0], victim]
    delivered: list[Reply] = []
    failed_in_flight = {0: 0, 1: 0}
    killed_at: list[float] = []
    rng = random.Random(9)

    async def client(index: int, deadline: float) -> None:
        replica = index % 2
        async with httpx.AsyncClient(timeout=30) as http:
            while time.monotonic() < deadline:
                started = time.monotonic()
                request = body(words=rng.randint(1, 20), max_tokens=rng.randint(1, 16), stream=rng.random() < 0.5)
                try:
                    response, reply = await send(http, targets[replica].base_url, key, request, replica)
                except httpx.HTTPError:
                    if not killed_at or started <= killed_at[0]:
                        failed_in_flight[replica] += 1
                    await asyncio.sleep(0.05)
                    continue
                assert response.status_code == 200 and reply is not None, response.text
                delivered.append(reply)

    async def killer() -> None:
        await asyncio.sleep(2.5)
        killed_at.append(time.monotonic())
        os.kill(victim.process.pid, signal.SIGKILL)

    async def run() -> None:
        deadline = time.monotonic() + 5
        await asyncio.gather(killer(), *(client(i, deadline) for i in range(16)))

    asyncio.run(run())
    victim.process.wait(10)
    assert failed_in_flight[0] == 0
    ledger = {row["request_id"]: row for row in cluster.ledger(org_id)}
    # Every delivered response is in the ledger, with exactly the usage the client was told.
    for reply in delivered:
        row = ledger[reply.request_id]
        assert (row["prompt_tokens"], row["completion_tokens"], row["delivered"]) == (
            reply.prompt_tokens,
            reply.completion_tokens,
            True,
        )
    # Rows for responses never delivered: only calls that were in flight on the killed replica.
    assert len(set(ledger) - {r.request_id for r in delivered}) <= failed_in_flight[1]
    assert sum(1 for r in delivered if r.replica == 1) > 0 and sum(1 for r in delivered if r.replica == 0) > 0


def test_a_429_reaches_the_openai_client_with_retry_after_and_rate_limit_headers(cluster):
    org_id, key = cluster.tenant(rpm=2, tps=10, max_concurrent=4, daily_tokens=100_000)
    clients = [openai.OpenAI(base_url=r.base_url, api_key=key, max_retries=0) for r in cluster.replicas[:2]]
    messages = [{"role": "user", "content": "merhaba"}]
    first = clients[0].chat.completions.with_raw_response.create(model=FAST_MODEL, messages=messages, max_tokens=4)
    assert first.headers["x-ratelimit-limit-requests"] == "2"
    assert first.headers["x-ratelimit-remaining-requests"] == "1"
    assert first.headers["x-ratelimit-limit-tokens"] == "100000"
    assert int(first.headers["x-ratelimit-remaining-tokens"]) == 100_000 - (len("merhaba") + 8 + 4)
    second = clients[1].chat.completions.with_raw_response.create(model=FAST_MODEL, messages=messages, max_tokens=4)
    assert second.headers["x-ratelimit-remaining-requests"] == "0"  # the other replica saw the first call
    with pytest.raises(openai.RateLimitError) as refused:
        clients[0].chat.completions.create(model=FAST_MODEL, messages=messages, max_tokens=4)
    error = refused.value
    assert error.status_code == 429 and error.code == "rate_limit_exceeded" and error.type == "rate_limit_error"
    assert "requests per minute (RPM)" in error.message and org_id in error.message
    headers = error.response.headers
    assert 1 <= int(headers["retry-after"]) <= 60 and 0 < int(headers["retry-after-ms"]) <= 60_000
    assert headers["x-ratelimit-limit-requests"] == "2" and headers["x-ratelimit-remaining-requests"] == "0"
    assert headers["x-ratelimit-reset-requests"].endswith("s")
    # Per-tenant gauges and outcomes in /metrics.
    replica = cluster.replicas[0]
    assert metric(replica, "paramstack_tenant_limit", tenant=org_id, limit="rpm") == 2
    assert metric(replica, "paramstack_tenant_limit", tenant=org_id, limit="daily_tokens") == 100_000
    assert metric(replica, "paramstack_admissions_total", tenant=org_id, outcome="refused_rpm") == 1
    assert 0 < metric(replica, "paramstack_tenant_quota_remaining_tokens", tenant=org_id) < 100_000


def test_an_abandoned_stream_is_billed_for_what_it_produced_and_refunds_the_rest(cluster):
    quota = 100_000
    org_id, key = cluster.tenant(rpm=1_000, tps=100, max_concurrent=1, daily_tokens=quota)
    gateway = cluster.replicas[0]
    headers = {"authorization": f"Bearer {key}"}
    with httpx.stream(
        "POST",
        f"{gateway.base_url}/chat/completions",
        headers=headers,
        timeout=30,
        json=body(SLOW_MODEL, max_tokens=64, stream=True),
    ) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if '"content":"' in line and '"content":""' not in line:
                break  # the first words arrived: hang up mid-stream
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not cluster.ledger(org_id):
        time.sleep(0.2)
    (row,) = cluster.ledger(org_id)
    assert row["delivered"] is False and 1 <= row["completion_tokens"] < 64
    # The only concurrency slot came back, and the reservation's unused part was refunded.
    after = httpx.post(f"{gateway.base_url}/chat/completions", headers=headers, timeout=30, json=body(max_tokens=4))
    assert after.status_code == 200
    reserved_now = len(" ".join(["söz"] * 3).encode()) + 8 + 4
    spent = row["prompt_tokens"] + row["completion_tokens"]
    assert int(after.headers["x-ratelimit-remaining-tokens"]) == quota - spent - reserved_now


def test_usage_api_and_cli_agree_with_the_ledger(cluster):
    org_id, key = cluster.tenant(rpm=1_000, tps=100, max_concurrent=8, daily_tokens=100_000)
    replies = []
    for replica, words in ((0, 2), (1, 5), (0, 9)):
        response = httpx.post(
            f"{cluster.replicas[replica].base_url}/chat/completions",
            timeout=30,
            headers={"authorization": f"Bearer {key}"},
            json=body(words=words, max_tokens=6),
        )
        replies.append(response.json()["usage"])
    prompt = sum(u["prompt_tokens"] for u in replies)
    completion = sum(u["completion_tokens"] for u in replies)
    cost = sum((u["prompt_tokens"] * 500 + u["completion_tokens"] * 1500 + 500) // 1000 for u in replies)
    admin = {"authorization": f"Bearer {cluster.admin_key}"}
    gateway = cluster.replicas[1]
    report = httpx.get(
        f"{gateway.root_url}/admin/usage",
        params={"tenant": org_id, "by": ["model", "adapter"]},
        headers=admin,
        timeout=30,
    ).json()
    assert report["group_by"] == ["model", "adapter"]
    assert [(r["model"], r["adapter"], r["requests"]) for r in report["rows"]] == [(FAST_MODEL, None, 3)]
    (total,) = report["totals"]
    assert (total["requests"], total["prompt_tokens"], total["completion_tokens"], total["cost_micros"]) == (
        3,
        prompt,
        completion,
        cost,
    )
    assert httpx.get(f"{gateway.root_url}/admin/usage", params={"tenant": org_id}, timeout=30).status_code == 401
    missing = httpx.get(f"{gateway.root_url}/admin/usage", params={"tenant": "org_nobody"}, headers=admin, timeout=30)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    bad = httpx.get(f"{gateway.root_url}/admin/usage", params={"by": "planet"}, headers=admin, timeout=30)
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "by"

    cli = json.loads(gateway.cli("usage", "--tenant", org_id, "--json", check=True).stdout)
    assert cli["totals"] == report["totals"] and [r["requests"] for r in cli["rows"]] == [3]
    unknown = gateway.cli("usage", "--tenant", "org_nobody")
    assert unknown.returncode == 2 and "org_nobody" in unknown.stderr
    costs = json.loads(
        gateway.cli(
            "cost-report",
            "--tenant",
            org_id,
            "--external-input-per-1k",
            "0.003",
            "--external-output-per-1k",
            "0.015",
            "--json",
            check=True,
        ).stdout
    )
    assert costs["traffic"] == {"requests": 3, "prompt_tokens": prompt, "completion_tokens": completion}
    assert costs["scenarios"]["external_api"]["cost_micros"] == prompt * 3 + completion * 15
    assert costs["scenarios"]["self_hosted"] is None and any("gpu_hour_price" in w for w in costs["warnings"])


def test_redis_down_fails_closed_with_503_and_counts_it(cluster, tmp_path):
    proxy = TcpProxy().start()
    config = {**cluster.config, "database_url": None, "redis_url": proxy.url}
    gateway = start_gateway(tmp_path / "behind-proxy", config)  # SQLite, demo tenants, Redis via the proxy
    try:
        client = openai.OpenAI(base_url=gateway.base_url, api_key=gateway.key("org_ailydian"), max_retries=0)
        messages = [{"role": "user", "content": "merhaba"}]
        assert client.chat.completions.create(model=FAST_MODEL, messages=messages, max_tokens=2).usage
        proxy.set_mode("down")
        with pytest.raises(openai.InternalServerError) as refused:
            client.chat.completions.create(model=FAST_MODEL, messages=messages, max_tokens=2)
        assert refused.value.status_code == 503 and refused.value.code == "rate_limiter_unavailable"
        assert refused.value.response.headers["retry-after"] == "1"
        assert metric(gateway, "paramstack_limiter_store_unavailable_total", operation="admit", action="rejected") == 1
        proxy.set_mode("forward")
        assert client.chat.completions.create(model=FAST_MODEL, messages=messages, max_tokens=2).usage
    finally:
        gateway.stop()
        proxy.stop()
