"""What each adapter version did during the last interval: from the gateway's /metrics or from Prometheus.

Gateway mode scrapes every replica's ``/metrics`` and sums each replica's difference from its previous
scrape (a counter that went down means that replica restarted: its new value is the interval's, as
Prometheus' rate() treats resets). Prometheus mode asks PromQL for the same figures over the interval.
p95 comes from the histogram buckets by linear interpolation, exactly as ``histogram_quantile`` does, so
both modes agree.

A source that cannot be read raises ``MetricsUnavailable``: the controller then holds the current weight
and never promotes blind.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
from prometheus_client.parser import text_string_to_metric_families

from paramstack.errors import ServiceUnavailable

REQUESTS = "paramstack_adapter_version_requests"
DURATION = "paramstack_adapter_version_request_duration_seconds"
TTFT = "paramstack_adapter_version_time_to_first_token_seconds"
JUDGE = "paramstack_adapter_version_judge_score"
COUNTED = ("ok", "error", "guard_blocked")  # "invalid" is the client's fault, not the version's


class MetricsUnavailable(ServiceUnavailable):
    code = "metrics_unavailable"


@dataclass
class Counters:
    """Cumulative figures of one version (one scrape, or the difference of two)."""

    outcomes: dict[str, float] = field(default_factory=dict)
    duration: dict[float, float] = field(default_factory=dict)  # le -> cumulative count
    ttft: dict[float, float] = field(default_factory=dict)
    judge_sum: float = 0.0
    judge_count: float = 0.0

    def minus(self, earlier: Counters) -> Counters:
        def diff(now: float, before: float) -> float:
            return now - before if now >= before else now  # reset: the new value is all since restart

        def buckets(now: dict[float, float], before: dict[float, float]) -> dict[float, float]:
            return {le: diff(v, before.get(le, 0.0)) for le, v in now.items()}

        return Counters(
            outcomes={k: diff(v, earlier.outcomes.get(k, 0.0)) for k, v in self.outcomes.items()},
            duration=buckets(self.duration, earlier.duration),
            ttft=buckets(self.ttft, earlier.ttft),
            judge_sum=diff(self.judge_sum, earlier.judge_sum),
            judge_count=diff(self.judge_count, earlier.judge_count),
        )

    def add(self, other: Counters) -> None:
        for key, value in other.outcomes.items():
            self.outcomes[key] = self.outcomes.get(key, 0.0) + value
        for histogram, source in ((self.duration, other.duration), (self.ttft, other.ttft)):
            for bound, count in source.items():
                histogram[bound] = histogram.get(bound, 0.0) + count
        self.judge_sum += other.judge_sum
        self.judge_count += other.judge_count


@dataclass(frozen=True)
class VersionWindow:
    requests: int
    errors: int
    guard_blocks: int
    p95_latency_s: float | None
    p95_ttft_s: float | None
    judge_mean: float | None
    judge_count: int

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0

    @property
    def guard_block_rate(self) -> float:
        return self.guard_blocks / self.requests if self.requests else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "error_rate": round(self.error_rate, 4),
            "guard_blocks": self.guard_blocks,
            "p95_latency_s": _rounded(self.p95_latency_s),
            "p95_ttft_s": _rounded(self.p95_ttft_s),
            "judge_mean": _rounded(self.judge_mean),
            "judge_count": self.judge_count,
        }

    @classmethod
    def from_counters(cls, counters: Counters) -> VersionWindow:
        outcomes = counters.outcomes
        return cls(
            requests=round(sum(outcomes.get(o, 0.0) for o in COUNTED)),
            errors=round(outcomes.get("error", 0.0)),
            guard_blocks=round(outcomes.get("guard_blocked", 0.0)),
            p95_latency_s=bucket_quantile(0.95, counters.duration),
            p95_ttft_s=bucket_quantile(0.95, counters.ttft),
            judge_mean=counters.judge_sum / counters.judge_count if counters.judge_count else None,
            judge_count=round(counters.judge_count),
        )


class MetricsSource(Protocol):
    async def windows(self, tenant: str, adapter: str, versions: Iterable[str]) -> dict[str, VersionWindow]:
        """Each version's figures since the previous call (gateway) or over the last interval (Prometheus)."""
        ...

    async def aclose(self) -> None: ...


def bucket_quantile(q: float, buckets: Mapping[float, float]) -> float | None:
    """``histogram_quantile`` over cumulative buckets (le -> count); None without observations."""
    ordered = sorted(buckets.items())
    if not ordered or ordered[-1][1] <= 0:
        return None
    rank = q * ordered[-1][1]
    lower_le, lower_count = 0.0, 0.0
    for le, count in ordered:
        if count >= rank:
            if math.isinf(le):
                return lower_le  # beyond the last finite bucket: its bound is the best estimate
            if count == lower_count:
                return le
            return lower_le + (le - lower_le) * (rank - lower_count) / (count - lower_count)
        lower_le, lower_count = le, count
    return lower_le


class GatewayScrapeSource:
    def __init__(
        self,
        urls: list[str],
        *,
        timeout_s: float = 5.0,
        client: httpx.AsyncClient | None = None,
        bearer_token: str | None = None,
    ) -> None:
        self._urls = urls
        headers = {"authorization": f"Bearer {bearer_token}"} if bearer_token else None
        self._client = client or httpx.AsyncClient(timeout=timeout_s, headers=headers)
        # Per replica: a restarted replica resets only its own counters.
        self._previous: dict[tuple[str, str, str, str], Counters] = {}

    async def windows(self, tenant: str, adapter: str, versions: Iterable[str]) -> dict[str, VersionWindow]:
        scraped = {url: await self._scrape(url, tenant, adapter) for url in self._urls}  # all, or none
        result: dict[str, VersionWindow] = {}
        for version in versions:
            total = Counters()
            for url, current in scraped.items():
                now = current.get(version, Counters())
                key = (url, tenant, adapter, version)
                total.add(now.minus(self._previous.get(key, Counters())))
                self._previous[key] = now
            result[version] = VersionWindow.from_counters(total)
        return result

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _scrape(self, url: str, tenant: str, adapter: str) -> dict[str, Counters]:
        try:
            response = await self._client.get(url)
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise MetricsUnavailable(f"cannot read metrics from {url}: {type(error).__name__}") from None
        return parse_exposition(response.text, tenant, adapter)


def parse_exposition(text: str, tenant: str, adapter: str) -> dict[str, Counters]:
    """Per-version counters of one (tenant, adapter) from Prometheus text exposition."""
    found: dict[str, Counters] = {}
    for family in text_string_to_metric_families(text):
        if family.name not in (REQUESTS, DURATION, TTFT, JUDGE):
            continue
        for sample in family.samples:
            labels = sample.labels
            if labels.get("tenant") != tenant or labels.get("adapter") != adapter:
                continue
            counters = found.setdefault(labels.get("version", ""), Counters())
            if sample.name == f"{REQUESTS}_total":
                counters.outcomes[labels.get("outcome", "")] = sample.value
            elif sample.name == f"{DURATION}_bucket":
                counters.duration[float(labels["le"])] = sample.value
            elif sample.name == f"{TTFT}_bucket":
                counters.ttft[float(labels["le"])] = sample.value
            elif sample.name == f"{JUDGE}_sum":
                counters.judge_sum = sample.value
            elif sample.name == f"{JUDGE}_count":
                counters.judge_count = sample.value
    return found


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
