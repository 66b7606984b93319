"""Real processes for the metering tests: OpenAI-compatible upstream stubs and gateway replicas sharing
PostgreSQL and Redis (the stub is bench/upstream_stub.py: the upstream a gateway fronts in production is
vLLM, which cannot run here; the stub speaks the same protocol over real HTTP)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from paramstack.metering.tables import usage_ledger
from paramstack.storage.database import create_db_engine
from tests.gateway_process import RunningGateway, free_port, start_gateway

STUB = Path(__file__).resolve().parents[2] / "bench" / "upstream_stub.py"
FAST_MODEL = "paramstack-tiny"  # answers after 20 ms
SLOW_MODEL = "slow-stream"  # streams one token every 30 ms


@dataclass
class Stub:
    process: subprocess.Popen[bytes]
    url: str

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(10)


def start_stub(*, tokens: int = 64, delay_ms: float = 0, token_delay_ms: float = 0) -> Stub:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            str(STUB),
            "--port",
            str(port),
            "--tokens",
            str(tokens),
            "--delay-ms",
            str(delay_ms),
            "--token-delay-ms",
            str(token_delay_ms),
        ]
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return Stub(process, url)
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("upstream stub did not start")


@dataclass
class Cluster:
    config: dict[str, Any]
    database_url: str
    replicas: list[RunningGateway] = field(default_factory=list)

    @property
    def admin_key(self) -> str:
        return self.replicas[-1].admin_key  # each `init` replaces the previous admin key

    def tenant(self, **limits: int) -> tuple[str, str]:
        """A fresh tenant allowed both stub models, with these limits; returns (org_id, api key)."""
        org_id = f"org_{uuid.uuid4().hex[:10]}"
        flags = [f"--{name.replace('_', '-')}={value}" for name, value in limits.items()]
        gateway = self.replicas[0]
        added = gateway.cli("tenants", "add", org_id, "--model", FAST_MODEL, "--model", SLOW_MODEL, *flags, "--json")
        assert added.returncode == 0, added.stderr
        created = gateway.cli("keys", "create", "--tenant", org_id, "--json")
        assert created.returncode == 0, created.stderr
        return org_id, json.loads(created.stdout)["api_key"]

    def ledger(self, org_id: str) -> list[dict[str, Any]]:
        engine = create_db_engine(self.database_url)
        try:
            with engine.connect() as connection:
                rows = connection.execute(sa.select(usage_ledger).where(usage_ledger.c.org_id == org_id))
                return [dict(r._mapping) for r in rows]
        finally:
            engine.dispose()

    def start_replica(self, home: Path, **overrides: Any) -> RunningGateway:
        first = not self.replicas
        gateway = start_gateway(home, {**self.config, **overrides}, init_args=("--demo",) if first else ())
        self.replicas.append(gateway)
        return gateway

    def stop(self) -> None:
        for gateway in self.replicas:
            gateway.stop()


def stub_models(fast: Stub, slow: Stub) -> list[dict[str, Any]]:
    return [
        {"name": FAST_MODEL, "backend": "openai", "base_url": fast.url, "upstream_model": "stub"},
        {"name": SLOW_MODEL, "backend": "openai", "base_url": slow.url, "upstream_model": "stub"},
    ]


def metric(gateway: RunningGateway, name: str, **labels: str) -> float:
    total = 0.0
    for line in httpx.get(gateway.metrics_url, timeout=10).text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total
