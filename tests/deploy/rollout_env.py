"""A whole rollout rig in one process: a fake vLLM, the real gateway in front of it, a registry, traffic.

The gateway is the real ASGI app (``create_app``) on a real port; its model is an ``openai`` backend on the
fake vLLM, so adapter versions are real model names (``medical-lora@v2``) that can be made to fail or be slow.
Used by the canary tests and by ``bench/rollout.py``.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from paramstack.deploy.canary_store import CanaryStore
from paramstack.deploy.settings import CanarySettings
from paramstack.engine.canary import bucket
from paramstack.registry import AdapterRegistry
from paramstack.settings import ModelSettings, Settings
from paramstack.storage.database import create_db_engine
from paramstack.storage.migrate import upgrade_to_head
from paramstack.tenancy.keys import KeyStore
from paramstack.tenancy.models import TenantLimits, TenantSpec
from paramstack.tenancy.store import TenantStore
from tests.deploy.servers import FakeVllm, ThreadedServer

TENANT, ADAPTER, MODEL = "org_medical", "medical-lora", "vllm-base"


@dataclass
class Reply:
    at: float  # when the request was sent (wall clock)
    user: str
    status: int
    text: str

    @property
    def version(self) -> str | None:
        return self.text.rsplit("@", 1)[-1] if self.status == 200 and "@" in self.text else None


@dataclass
class RolloutRig:
    home: Path
    gateway_url: str
    api_key: str
    fake: FakeVllm
    settings: Settings
    database: object
    registry: AdapterRegistry
    store: CanaryStore
    replies: list[Reply] = field(default_factory=list)
    metrics_url: str = ""  # the gateway's metrics listener: /metrics is not on the public port

    def adapter_dir(self, version: str) -> Path:
        directory = self.home / "adapters" / ADAPTER / version
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": 8}))
        return directory

    def register(self, version: str) -> None:
        self.registry.register(ADAPTER, str(self.adapter_dir(version)), base_model=MODEL, version=version)

    async def ask(self, client: httpx.AsyncClient, user: str) -> Reply:
        body = {"model": MODEL, "messages": [{"role": "user", "content": "hello"}], "max_tokens": 8, "user": user}
        sent = time.time()
        try:
            response = await client.post(
                f"{self.gateway_url}/v1/chat/completions",
                json=body,
                headers={"authorization": f"Bearer {self.api_key}"},
            )
            text = response.json()["choices"][0]["message"]["content"] if response.status_code == 200 else ""
            reply = Reply(sent, user, response.status_code, text)
        except httpx.HTTPError as error:
            reply = Reply(sent, user, 0, type(error).__name__)
        self.replies.append(reply)
        return reply

    async def drive(self, stop: asyncio.Event, *, users: int = 40, rate_per_s: float = 60.0) -> None:
        """Open-loop traffic: ``rate_per_s`` requests a second, round-robin over ``users`` end users."""
        async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=200)) as client:
            tasks: set[asyncio.Task[Reply]] = set()
            period, index, next_at = 1.0 / rate_per_s, 0, time.monotonic()
            while not stop.is_set():
                task = asyncio.create_task(self.ask(client, f"u{index % users}"))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                index += 1
                next_at += period
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)


def on_canary(rollout_id: int, user: str, weight: int) -> bool:
    """Whether the gateway's split puts ``user`` on the canary (the middleware keys on the user field)."""
    return bucket(rollout_id, f"user:{user}") < weight


@contextmanager
def rollout_rig(
    home: Path, *, refresh_s: float = 0.2, own_process: bool = False, canary: dict[str, Any] | None = None
) -> Iterator[RolloutRig]:
    """``own_process``: the gateway runs as ``paramstack serve`` (its own interpreter, as in production)
    instead of in a thread of this process (quicker to start, what the tests use). ``canary``: more of the
    gateway's canary settings (the online judge)."""
    fake = FakeVllm()
    with ThreadedServer(fake.app) as upstream:
        model = ModelSettings(
            name=MODEL, backend="openai", base_url=upstream.url, upstream_model="base", retries=0, timeout_s=30
        )
        settings = Settings(
            home=home,
            database_url=f"sqlite:///{home / 'paramstack.db'}",
            models=[model],
            canary=CanarySettings(refresh_s=refresh_s, **(canary or {})),
            log_level="warning",
        )
        database = create_db_engine(settings.resolved_database_url)
        upgrade_to_head(database)
        limits = TenantLimits(tps=100_000, rpm=10_000_000, max_concurrent=10_000, daily_tokens=10**12)
        TenantStore(database).add(
            TENANT,
            TenantSpec(name="Medical", models=[MODEL], adapters=[ADAPTER], default_adapter=ADAPTER, limits=limits),
        )
        _, api_key = KeyStore(database).create(TENANT, name="rollout")
        rig = RolloutRig(home, "", api_key, fake, settings, database, AdapterRegistry(database), CanaryStore(database))
        rig.register("v1")  # the first version becomes stable
        try:
            with _gateway(settings, own_process) as (url, metrics_url):
                rig.gateway_url, rig.metrics_url = url, metrics_url
                yield rig
        finally:
            database.dispose()


@contextmanager
def _gateway(settings: Settings, own_process: bool) -> Iterator[tuple[str, str]]:
    """(public URL, metrics URL) of a gateway, as ``paramstack serve`` would run it."""
    if not own_process:
        from paramstack.gateway.app import create_app
        from paramstack.gateway.metrics_listener import MetricsListener

        app = create_app(settings)
        with ThreadedServer(app) as gateway, MetricsListener(app.state.services.metrics, "127.0.0.1", 0) as metrics:
            yield gateway.url, f"http://127.0.0.1:{metrics.port}/metrics"
        return
    from tests.gateway_process import start_gateway

    config = settings.model_dump(mode="json", exclude={"home", "port"}, exclude_defaults=True)
    config["models"] = [m.model_dump(mode="json", exclude_defaults=True) for m in settings.models]
    server = start_gateway(settings.home, config, init_args=())
    try:
        yield server.root_url, server.metrics_url
    finally:
        server.stop()


def _traffic_main(gateway_url: str, api_key: str, users: int, rate_per_s: float, stop: Any, out: Any) -> None:
    """Entry point of a separate traffic process (its own interpreter: its clock is not slowed by ours)."""
    rig = RolloutRig(Path("."), gateway_url, api_key, None, None, None, None, None)  # type: ignore[arg-type]
    done = asyncio.Event()

    async def watch() -> None:
        while not stop.is_set():
            await asyncio.sleep(0.05)
        done.set()

    async def main() -> None:
        watcher = asyncio.create_task(watch())
        await rig.drive(done, users=users, rate_per_s=rate_per_s)
        await watcher

    asyncio.run(main())
    out.put([(r.at, r.user, r.status, r.text) for r in rig.replies])


@contextmanager
def traffic_process(rig: RolloutRig, *, users: int, rate_per_s: float) -> Iterator[list[Reply]]:
    """Open-loop traffic from another process; the replies land in the yielded list when the block ends."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    stop, out = context.Event(), context.Queue()
    process = context.Process(target=_traffic_main, args=(rig.gateway_url, rig.api_key, users, rate_per_s, stop, out))
    process.start()
    replies: list[Reply] = []
    try:
        yield replies
    finally:
        stop.set()
        replies.extend(Reply(*row) for row in out.get(timeout=120))
        process.join(timeout=30)
