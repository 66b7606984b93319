"""The real gateway app (``create_app``) on a real port in a thread of the test process, in front of a fake vLLM:
for tests that look inside the running process (which thread queried the database, how many key lookups ran)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from paramstack.gateway.app import create_app
from paramstack.gateway.metrics_listener import MetricsListener
from paramstack.settings import ModelSettings, Settings
from paramstack.storage.database import create_db_engine
from paramstack.storage.migrate import upgrade_to_head
from paramstack.tenancy.keys import KeyStore, hash_secret
from paramstack.tenancy.models import TenantLimits, TenantSpec
from paramstack.tenancy.store import TenantStore
from tests.deploy.servers import FakeVllm, ThreadedServer

MODEL, TENANT = "vllm-base", "org_steady"


@dataclass
class InProcessGateway:
    url: str
    metrics_url: str
    api_key: str
    admin_key: str
    app: Any
    settings: Settings

    @property
    def services(self) -> Any:
        return self.app.state.services


@contextmanager
def inprocess_gateway(home: Path, database_url: str, **settings: Any) -> Iterator[InProcessGateway]:
    fake = FakeVllm()
    with ThreadedServer(fake.app) as upstream:
        model = ModelSettings(
            name=MODEL, backend="openai", base_url=upstream.url, upstream_model="base", retries=0, timeout_s=30
        )
        config = Settings(home=home, database_url=database_url, models=[model], log_level="warning", **settings)
        database = create_db_engine(database_url)
        upgrade_to_head(database)
        limits = TenantLimits(tps=100_000, rpm=10_000_000, max_concurrent=10_000, daily_tokens=10**12)
        if TENANT not in {t.org_id for t in TenantStore(database).list()}:  # a second replica: already there
            TenantStore(database).add(TENANT, TenantSpec(name="Steady", models=[MODEL], limits=limits))
        _, api_key = KeyStore(database).create(TENANT, name="steady")
        _, admin_key = KeyStore(database).create(None, scope="admin", name="admin")
        database.dispose()
        app = create_app(config)
        with ThreadedServer(app) as gateway, MetricsListener(app.state.services.metrics, "127.0.0.1", 0) as metrics:
            yield InProcessGateway(
                gateway.url, f"http://127.0.0.1:{metrics.port}/metrics", api_key, admin_key, app, config
            )


class KeyLookups:
    """Counts the queries a gateway's database engine runs against the API key table."""

    def __init__(self, engine: sa.engine.Engine) -> None:
        self.parameters: list[str] = []
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    @property
    def count(self) -> int:
        return len(self.parameters)

    def of_other_keys_than(self, secret: str) -> int:
        """Lookups of any key but this one (a tenant's own key is re-read now and then, as it should be)."""
        return sum(hash_secret(secret) not in p for p in self.parameters)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "api_keys" in statement:
            self.parameters.append(str(parameters))
