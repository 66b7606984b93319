"""2,000 random keys at a running gateway on PostgreSQL (limits in Redis) while one tenant streams: the database
sees a bounded number of key lookups, the flooding address gets 429s, and every one of the tenant's streams
completes."""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid

import httpx
import pytest

from paramstack.metering.settings import MeteringSettings
from paramstack.tenancy.settings import AuthSettings
from tests.gateway.inprocess_gateway import MODEL, KeyLookups, inprocess_gateway
from tests.services import REDIS_URL, fresh_postgres_database, redis_reachable, require_service

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
FLOOD, MAX_FAILURES = 2000, 20
FLOODER, TENANT_ADDRESS = "203.0.113.66", "198.51.100.10"


async def stream_until(stop: asyncio.Event, client: httpx.AsyncClient, api_key: str) -> list[bool]:
    """One streamed chat after another; True for each that ended with [DONE] after some content."""
    done: list[bool] = []
    headers = {"authorization": f"Bearer {api_key}", "x-forwarded-for": TENANT_ADDRESS}
    body = {"model": MODEL, "stream": True, "messages": [{"role": "user", "content": "hello"}]}
    while not stop.is_set() or not done:
        async with client.stream("POST", "/v1/chat/completions", headers=headers, json=body) as response:
            lines = [line async for line in response.aiter_lines() if line.startswith("data: ")]
        content = "".join(
            json.loads(line[6:])["choices"][0]["delta"].get("content") or ""
            for line in lines[:-1]
            if json.loads(line[6:]).get("choices")
        )
        done.append(response.status_code == 200 and lines[-1:] == ["data: [DONE]"] and bool(content))
    return done


async def flood(client: httpx.AsyncClient, concurrency: int = 32) -> list[int]:
    statuses: list[int] = []
    queue = iter(range(FLOOD))

    async def worker() -> None:
        for _ in queue:
            key = "psk-" + secrets.token_urlsafe(32)
            response = await client.get(
                "/v1/models", headers={"authorization": f"Bearer {key}", "x-forwarded-for": FLOODER}
            )
            statuses.append(response.status_code)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return statuses


def test_a_flood_of_random_keys_costs_bounded_lookups_and_the_streaming_tenant_never_notices(tmp_path):
    require_service("Redis", redis_reachable(), REDIS_URL)
    settings = {
        "auth": AuthSettings(max_failures=MAX_FAILURES, trusted_proxies=["127.0.0.1/32"]),
        "redis_url": REDIS_URL,
        "metering": MeteringSettings(redis_key_prefix=f"paramstack-test-{uuid.uuid4().hex[:8]}:"),
    }
    with fresh_postgres_database() as url, inprocess_gateway(tmp_path / "home", url, **settings) as gw:
        lookups = KeyLookups(gw.services.database)

        async def scenario() -> tuple[list[int], list[bool]]:
            limits = httpx.Limits(max_connections=64)
            async with httpx.AsyncClient(base_url=gw.url, timeout=60, limits=limits) as client:
                stop = asyncio.Event()
                tenant = asyncio.create_task(stream_until(stop, client, gw.api_key))
                try:
                    return await flood(client), await _stopped(stop, tenant)
                finally:
                    stop.set()

        statuses, streams = asyncio.run(scenario())
    flood_lookups = lookups.of_other_keys_than(gw.api_key)
    print(
        f"\nkey lookups for {FLOOD} random keys: {flood_lookups} (the tenant's own key: "
        f"{lookups.count - flood_lookups}); 401: {statuses.count(401)}, "
        f"429: {statuses.count(429)}; tenant streams: {len(streams)}, all complete: {all(streams)}"
    )
    assert len(statuses) == FLOOD and set(statuses) == {401, 429}
    assert statuses.count(401) == MAX_FAILURES and statuses.count(429) == FLOOD - MAX_FAILURES
    assert flood_lookups == MAX_FAILURES  # one window's worth: the 1,980 others never reached the database
    assert len(streams) >= 3 and all(streams)


async def _stopped(stop: asyncio.Event, tenant: asyncio.Task[list[bool]]) -> list[bool]:
    stop.set()
    return await tenant
