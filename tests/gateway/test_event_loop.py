"""No route runs a synchronous database call on the event loop that serves every tenant's completions.

The detector is exact rather than a timing threshold: every statement the gateway's database engine executes
asks whether it runs on a thread with a running event loop (a worker thread has none). A handler that calls
the stores inline, as the admin routes once did, fails this test on the first request, however fast the
database answers; a lag heartbeat would only notice it when the database happened to be slow, and on a
shared two-core machine would also flag the scheduler. The storm covers every route family that touches the
database (admin, reports, rollouts, catalog, audit, usage, labelling, RAG, models, readiness, chat), with bad
keys mixed in, on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import secrets
import threading

import httpx
import pytest
import sqlalchemy as sa

from tests.gateway.inprocess_gateway import MODEL, TENANT, inprocess_gateway
from tests.services import fresh_postgres_database


class LoopQueries:
    def __init__(self, engine: sa.engine.Engine) -> None:
        self.on_loop: list[tuple[str, str]] = []  # (thread name, statement)
        self.total = 0
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement: str, *_args) -> None:
        self.total += 1
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # a worker thread: the loop goes on serving
        self.on_loop.append((threading.current_thread().name, " ".join(statement.split())[:160]))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'paramstack.db'}"
        return
    with fresh_postgres_database() as url:
        yield url


async def storm(gw, rounds: int) -> list[int]:
    admin = {"authorization": f"Bearer {gw.admin_key}"}
    tenant = {"authorization": f"Bearer {gw.api_key}"}

    async def one(client: httpx.AsyncClient, i: int) -> list[int]:
        org = f"org_storm_{i}"
        bad = {"authorization": f"Bearer psk-{secrets.token_urlsafe(32)}"}
        calls = [
            client.get("/admin/tenants", headers=admin),
            client.post("/admin/tenants", headers=admin, json={"org_id": org, "name": f"Storm {i}", "models": [MODEL]}),
            client.get(f"/admin/tenants/{TENANT}", headers=admin),
            client.patch(f"/admin/tenants/{TENANT}", headers=admin, json={"name": f"Steady {i}"}),
            client.get(f"/admin/tenants/{TENANT}/keys", headers=admin),
            client.get("/admin/usage", headers=admin, params={"tenant": TENANT, "by": ["day", "model"]}),
            client.get("/admin/overview", headers=admin),
            client.get("/admin/usage/daily", headers=admin),
            client.get("/admin/rollouts", headers=admin),
            client.get("/admin/adapters", headers=admin),
            client.get("/admin/audit/status", headers=admin),
            client.get("/admin/whoami", headers=tenant),
            client.get("/label/api/datasets", headers=admin),
            client.get("/label/api/pairs", headers=admin, params={"dataset": "none"}),
            client.get("/v1/rag/collections", headers=tenant),
            client.get("/v1/models", headers=tenant),
            client.get("/readyz"),
            client.get("/admin/tenants", headers=bad),
            client.post(
                "/v1/chat/completions",
                headers=tenant,
                json={"model": MODEL, "messages": [{"role": "user", "content": f"hi {i}"}]},
            ),
        ]
        statuses = [r.status_code for r in await asyncio.gather(*calls)]
        created = await client.post(f"/admin/tenants/{org}/keys", headers=admin, json={"name": "k"})
        key_id = created.json()["key_id"]
        statuses += [
            created.status_code,
            (await client.delete(f"/admin/keys/{key_id}", headers=admin)).status_code,
            (await client.post(f"/admin/tenants/{org}/disable", headers=admin)).status_code,
        ]
        return statuses

    async with httpx.AsyncClient(base_url=gw.url, timeout=60) as client:
        results = await asyncio.gather(*(one(client, i) for i in range(rounds)))
    return [status for statuses in results for status in statuses]


def test_an_admin_route_storm_never_queries_the_database_on_the_event_loop(database_url, tmp_path):
    with inprocess_gateway(tmp_path / "home", database_url, auth={"max_failures": 10_000}) as gw:
        queries = LoopQueries(gw.services.database)
        statuses = asyncio.run(storm(gw, rounds=12))
    assert queries.total > 200  # the storm reached the database
    assert set(statuses) <= {200, 201, 401}, statuses
    assert statuses.count(401) == 12  # only the bad keys
    assert queries.on_loop == [], f"{len(queries.on_loop)} queries ran on the event loop: {queries.on_loop[:5]}"
