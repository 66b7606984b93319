"""Canary rollouts end to end: real gateway, real HTTP traffic, the controller reading the gateway's /metrics.

Each test registers a fresh adapter version and rolls it out against the current stable one, while
open-loop traffic from 40 end users runs through the gateway.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import datetime

import pytest

from paramstack.attest.audit import AuditLog
from paramstack.deploy.canary_factory import build_controller
from paramstack.deploy.slo_policy import parse_policy
from tests.deploy.rollout_env import ADAPTER, TENANT, on_canary, rollout_rig
from tests.deploy.servers import Recorder, ThreadedServer, free_port

VERSIONS = (f"v{n}" for n in itertools.count(2))


@pytest.fixture(scope="module")
def rig(tmp_path_factory):
    with rollout_rig(tmp_path_factory.mktemp("rollout"), refresh_s=0.2) as rig:
        yield rig


@pytest.fixture(scope="module")
def webhook():
    recorder = Recorder({"ok": True})
    with ThreadedServer(recorder.app) as server:
        yield recorder, f"{server.url}/hooks/canary"


def policy_for(rig, webhook_url=None, **overrides):
    # Latency SLO generous on purpose: the test machine is shared, the injected slowness is far above it.
    data = {
        "steps": [20, 50, 100],
        "interval": "1s",
        "failure_threshold": 2,
        "min_requests": 4,
        "slo": {"max_error_rate": 0.05, "max_p95_latency_s": 1.5},
        "metrics": {"source": "gateway", "urls": [rig.metrics_url]},
        **overrides,
    }
    if webhook_url:
        data["webhook_url"] = webhook_url
    return parse_policy(data)


def new_version(rig) -> tuple[str, str]:
    stable = rig.registry.current(ADAPTER).version
    version = next(VERSIONS)
    rig.register(version)
    rig.replies.clear()
    return stable, version


async def rollout_under_traffic(rig, controller, stable, canary, policy, *, max_intervals=20):
    stop = asyncio.Event()
    traffic = asyncio.create_task(rig.drive(stop, users=40, rate_per_s=30))
    try:
        await asyncio.sleep(0.4)
        rollout = await controller.start(TENANT, ADAPTER, stable, canary, policy)
        final = await controller.run(rollout.id, max_intervals=max_intervals)
        await asyncio.sleep(1.5)  # traffic goes on after the decision: it must all reach the right version
        return final
    finally:
        stop.set()
        await traffic


def test_healthy_canary_is_promoted_through_every_step(rig, webhook):
    recorder, url = webhook
    stable, canary = new_version(rig)
    policy = policy_for(rig, url)
    controller = build_controller(rig.database, policy, rig.settings.canary, audit=AuditLog(rig.database))
    final = asyncio.run(rollout_under_traffic(rig, controller, stable, canary, policy))

    assert final.status == "promoted" and final.weight == 100
    moves = [(e["action"], e["weight"]) for e in rig.store.events(final.id) if e["action"] != "hold"]
    assert moves == [("start", 20), ("step", 50), ("step", 100), ("promote", 100)]
    assert rig.registry.current(ADAPTER).version == canary
    # Every decision reached the audit log and the webhook (Slack's JSON shape).
    statuses = [e["status"] for e in AuditLog(rig.database).export(org_id=TENANT) if e["model"] == "canary-controller"]
    assert {"canary:start:20", "canary:step:50", "canary:step:100", "canary:promote:100"} <= set(statuses)
    texts = [r.body["text"] for r in recorder.requests]
    assert any("canary promote" in t and canary in t for t in texts)
    assert all(r.body.get("blocks") for r in recorder.requests)
    # Nobody saw an error, and after promotion everyone gets the new version.
    assert all(r.status == 200 for r in rig.replies)

    async def after():
        import httpx

        async with httpx.AsyncClient(timeout=10) as client:
            return [await rig.ask(client, f"u{i}") for i in range(20)]

    assert {r.version for r in asyncio.run(after())} == {canary}


@pytest.mark.parametrize("failure", ["errors", "slow"])
def test_bad_canary_is_rolled_back_within_the_failure_threshold(rig, failure):
    stable, canary = new_version(rig)
    if failure == "errors":
        rig.fake.behave(f"{ADAPTER}@{canary}", status=503)
    else:
        rig.fake.behave(f"{ADAPTER}@{canary}", delay_s=3.0)
    policy = policy_for(rig)
    controller = build_controller(rig.database, policy, rig.settings.canary)
    final = asyncio.run(rollout_under_traffic(rig, controller, stable, canary, policy, max_intervals=10))

    assert final.status == "rolled_back" and final.weight == 0
    events = rig.store.events(final.id)
    judged = [e for e in events if e["action"] in ("fail", "rollback")]
    assert [e["action"] for e in judged] == ["fail", "rollback"]
    # Rolled back at the failure_threshold-th interval that saw the problem, the next one after the first
    # failed check (intervals that only "hold" had too few finished canary requests to judge).
    checks = [e["action"] for e in events if e["action"] != "start"]
    assert checks.index("rollback") - checks.index("fail") == policy.failure_threshold - 1, checks
    assert all(a == "hold" for a in checks[: checks.index("fail")])
    reason = judged[-1]["reason"]
    assert ("error rate" in reason) if failure == "errors" else ("p95 latency" in reason)
    assert rig.registry.current(ADAPTER).version == stable
    # Stable traffic was unaffected: every user the split kept on stable got answers from stable.
    stable_users = [r for r in rig.replies if not on_canary(final.id, r.user, 20)]
    assert stable_users and all(r.status == 200 and r.version == stable for r in stable_users)
    # After the rollback (plus one refresh of the gateway's view) nobody reaches the bad version.
    rolled_back_at = datetime.fromisoformat(judged[-1]["at"]).timestamp()
    late = [r for r in rig.replies if r.at > rolled_back_at + rig.settings.canary.refresh_s + 0.5]
    assert late and all(r.status == 200 and r.version == stable for r in late)


def test_assignment_is_sticky_per_end_user(rig):
    stable, canary = new_version(rig)
    policy = policy_for(rig, steps=[50, 100])
    controller = build_controller(rig.database, policy, rig.settings.canary)

    async def go():
        import httpx

        rollout = await controller.start(TENANT, ADAPTER, stable, canary, policy)
        await asyncio.sleep(rig.settings.canary.refresh_s + 0.1)
        async with httpx.AsyncClient(timeout=10) as client:
            replies = [await rig.ask(client, f"u{i}") for _ in range(4) for i in range(24)]
        await controller.rollback(rollout.id, "test done")
        return rollout, replies

    rollout, replies = asyncio.run(go())
    seen: dict[str, set[str]] = {}
    for reply in replies:
        seen.setdefault(reply.user, set()).add(reply.version)
    assert all(len(versions) == 1 for versions in seen.values()), seen  # same user, same version
    assert {v for versions in seen.values() for v in versions} == {stable, canary}  # and both are in use
    for user, versions in seen.items():
        assert versions == {canary if on_canary(rollout.id, user, 50) else stable}


def test_unreachable_prometheus_holds_the_weight_and_never_promotes(rig):
    stable, canary = new_version(rig)
    policy = policy_for(
        rig, interval=0.2, metrics={"source": "prometheus", "urls": [f"http://127.0.0.1:{free_port()}"]}
    )
    controller = build_controller(rig.database, policy, rig.settings.canary)

    async def go():
        rollout = await controller.start(TENANT, ADAPTER, stable, canary, policy)
        final = await controller.run(rollout.id, max_intervals=3)
        await controller.rollback(rollout.id, "test done")
        return final

    final = asyncio.run(go())
    assert final.status == "running" and final.weight == 20
    holds = [e for e in rig.store.events(final.id) if e["action"] == "hold"]
    assert len(holds) == 3 and all("Prometheus" in e["reason"] and "not promoting blind" in e["reason"] for e in holds)
    assert rig.registry.current(ADAPTER).version == stable
