"""A policy with ``min_judge_score`` decides on judge scores the gateway really records: the online judge
samples stable and canary responses, scores them off the request path, and the controller promotes a canary
the judge likes and rolls back one it does not.

The judge is the real ``openai:`` LLM judge (rubric, JSON validation, retries) in front of a scripted chat
server: no judge model can run here, and a scripted one lets the test decide which version answers badly.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from paramstack.deploy.canary_factory import build_controller, ensure_policy_can_be_judged
from paramstack.deploy.settings import CanarySettings
from paramstack.deploy.slo_policy import parse_policy
from paramstack.errors import ConfigurationError
from tests.deploy.rollout_env import ADAPTER, TENANT, rollout_rig
from tests.deploy.servers import ThreadedServer

VERSIONS = (f"v{n}" for n in itertools.count(2))
CRITERIA = ("relevance", "helpfulness", "accuracy", "safety", "clarity", "overall")


class ScriptedJudge:
    """An OpenAI-compatible chat server that scores an answer 8/10, or 2/10 when it came from a bad version."""

    def __init__(self) -> None:
        self.bad_versions: set[str] = set()
        self.judged: list[str] = []
        self.app = Starlette(routes=[Route("/v1/chat/completions", self._chat, methods=["POST"])])

    async def _chat(self, request: Request) -> JSONResponse:
        prompt = "\n".join(m["content"] for m in (await request.json())["messages"])
        versions = re.findall(rf"{ADAPTER}@(v\d+)\b", prompt)
        self.judged += versions
        score = 2 if set(versions) & self.bad_versions else 8
        content = json.dumps({"scores": [{name: score for name in CRITERIA}]})
        return JSONResponse(
            {
                "id": "judge",
                "object": "chat.completion",
                "usage": {"prompt_tokens": 50, "completion_tokens": 20},
                "choices": [
                    {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}
                ],
            }
        )


@pytest.fixture(scope="module")
def judge():
    scripted = ScriptedJudge()
    with ThreadedServer(scripted.app) as server:
        yield scripted, f"openai:{server.url}/v1#judge"


@pytest.fixture(scope="module")
def rig(tmp_path_factory, judge):
    _, spec = judge
    with rollout_rig(
        tmp_path_factory.mktemp("judged"),
        refresh_s=0.2,
        canary={"judge": spec, "judge_sample_rate": 1.0, "judge_max_pending": 64},
    ) as rig:
        yield rig


def judged_policy(rig):
    return parse_policy(
        {
            "steps": [50, 100],
            "interval": "1s",
            "failure_threshold": 2,
            "min_requests": 4,
            "slo": {"max_error_rate": 0.5, "max_p95_latency_s": 5, "min_judge_score": 0.6},
            "metrics": {"source": "gateway", "urls": [rig.metrics_url]},
        }
    )


def new_version(rig) -> tuple[str, str]:
    stable = rig.registry.current(ADAPTER).version
    version = next(VERSIONS)
    rig.register(version)
    rig.replies.clear()
    return stable, version


async def rollout_under_traffic(rig, controller, stable, canary, policy):
    stop = asyncio.Event()
    traffic = asyncio.create_task(rig.drive(stop, users=30, rate_per_s=30))
    try:
        await asyncio.sleep(0.4)
        rollout = await controller.start(TENANT, ADAPTER, stable, canary, policy)
        return await controller.run(rollout.id, max_intervals=15)
    finally:
        stop.set()
        await traffic


def judge_scores(rig, version: str) -> float:
    text = httpx.get(rig.metrics_url).text
    pattern = rf'paramstack_adapter_version_judge_score_count{{[^}}]*version="{version}"[^}}]*}} (\S+)'
    return sum(float(v) for v in re.findall(pattern, text))


def test_a_canary_the_judge_likes_is_promoted_on_recorded_scores(rig, judge):
    scripted, _ = judge
    stable, canary = new_version(rig)
    policy = judged_policy(rig)
    controller = build_controller(rig.database, policy, rig.settings.canary)
    final = asyncio.run(rollout_under_traffic(rig, controller, stable, canary, policy))

    assert final.status == "promoted", [(e["action"], e["reason"]) for e in rig.store.events(final.id)]
    assert judge_scores(rig, canary) > 0 and judge_scores(rig, stable) > 0  # both sides were sampled
    assert canary in scripted.judged and stable in scripted.judged
    steps = [e for e in rig.store.events(final.id) if e["action"] in ("step", "promote")]
    judged_steps = [e["observed"]["canary"] for e in steps if e.get("observed")]
    assert judged_steps and all(w["judge_count"] > 0 and w["judge_mean"] == 0.8 for w in judged_steps)


def test_a_canary_the_judge_dislikes_is_rolled_back_on_recorded_scores(rig, judge):
    scripted, _ = judge
    stable, canary = new_version(rig)
    scripted.bad_versions.add(canary)
    policy = judged_policy(rig)
    controller = build_controller(rig.database, policy, rig.settings.canary)
    final = asyncio.run(rollout_under_traffic(rig, controller, stable, canary, policy))

    assert final.status == "rolled_back" and final.weight == 0
    reason = [e for e in rig.store.events(final.id) if e["action"] == "rollback"][-1]["reason"]
    assert "judge score 0.200 below 0.6" in reason
    assert rig.registry.current(ADAPTER).version == stable
    assert all(r.status == 200 for r in rig.replies)  # judging never failed a request


def test_without_an_online_judge_a_min_judge_score_policy_is_refused_before_it_starts(rig):
    with pytest.raises(ConfigurationError, match="canary.judge"):
        ensure_policy_can_be_judged(judged_policy(rig), CanarySettings())
    ensure_policy_can_be_judged(judged_policy(rig), rig.settings.canary)  # configured: accepted
