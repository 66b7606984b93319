"""The online judge: a sampled share of every adapter version's responses scored, off the request path, by the
configured judge (``train/judges``), into ``paramstack_adapter_version_judge_score``.

That histogram is what a rollout policy's ``min_judge_score`` reads. Stable and canary are sampled at the same
rate, so their means compare like with like. A sample is judged in a background task after its response has
gone out; at most ``judge_max_pending`` run at once, beyond that a sample is dropped (a slow judge never
builds a queue or slows a request). Judge scores (0-10 overall) are recorded as 0..1.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from typing import TYPE_CHECKING

from prometheus_client import Counter

from paramstack.deploy.settings import CanarySettings
from paramstack.engine.protocol import GenerationRequest
from paramstack.engine.version_tap import VersionLabels
from paramstack.errors import ConfigurationError, ParamstackError
from paramstack.observability.metrics import GatewayMetrics

if TYPE_CHECKING:
    from paramstack.train.judges.base import Judge

LOG = logging.getLogger("paramstack.deploy")


class OnlineJudge:
    def __init__(
        self,
        judge: Judge,
        metrics: GatewayMetrics,
        settings: CanarySettings,
        *,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self._judge = judge
        self._metrics = metrics
        self._rate = settings.judge_sample_rate
        self._max_pending = settings.judge_max_pending
        self._timeout_s = settings.judge_timeout_s
        self._rng = rng
        self._pending: set[asyncio.Task[None]] = set()
        self.samples = Counter(
            "paramstack_judge_samples",
            "Responses offered to the online judge, by outcome (scored, failed, dropped).",
            ("outcome",),
            registry=metrics.registry,
        )

    def offer(self, labels: VersionLabels, request: GenerationRequest, text: str) -> None:
        """Called once per completed response of a version; returns at once."""
        if not text or self._rng() >= self._rate:
            return
        if len(self._pending) >= self._max_pending:
            self.samples.labels("dropped").inc()
            return
        task = asyncio.get_running_loop().create_task(self._score(labels, request, text))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def aclose(self) -> None:
        for task in list(self._pending):
            task.cancel()
        await asyncio.gather(*self._pending, return_exceptions=True)
        await self._judge.aclose()

    async def _score(self, labels: VersionLabels, request: GenerationRequest, text: str) -> None:
        from paramstack.train.preference_data import PromptRecord

        system = next((m.content for m in request.messages or () if m.role == "system"), None)
        user = next(
            (m.content for m in reversed(request.messages or ()) if m.role == "user"),
            request.prompt if isinstance(request.prompt, str) else "",
        )
        prompt = PromptRecord(prompt_id=request.request_id, prompt=user, system=system)
        try:
            async with asyncio.timeout(self._timeout_s):
                scores = await self._judge.score(prompt, [text])
        except (ParamstackError, TimeoutError, OSError) as error:
            self.samples.labels("failed").inc()
            LOG.warning("online judge failed", extra={"error": type(error).__name__, "adapter": labels.adapter})
            return
        score = min(1.0, max(0.0, scores[0].overall / 10))
        self._metrics.version_judge_score.labels(labels.tenant, labels.adapter, labels.version).observe(score)
        self.samples.labels("scored").inc()


def build_online_judge(settings: CanarySettings, metrics: GatewayMetrics) -> OnlineJudge | None:
    if not settings.judge_configured:
        return None
    from paramstack.train.judges import JudgeOptions, build_judge

    try:
        judge = build_judge(settings.judge or "", JudgeOptions(timeout_s=settings.judge_timeout_s, retries=1))
    except ParamstackError as error:
        raise ConfigurationError(f"canary.judge: {error.message}") from None
    return OnlineJudge(judge, metrics, settings)
