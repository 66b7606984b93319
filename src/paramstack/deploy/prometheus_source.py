"""Canary metrics from a Prometheus server (several gateway replicas, or vLLM pods behind KServe).

Each figure is one instant PromQL query over the last interval. Prometheus extrapolates ``increase()``, so
counts are rounded; an empty result is "no traffic", a failed query is ``MetricsUnavailable``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import httpx

from paramstack.deploy.canary_metrics import DURATION, JUDGE, REQUESTS, TTFT, MetricsUnavailable, VersionWindow


class PrometheusSource:
    def __init__(
        self, base_url: str, interval_s: float, *, timeout_s: float = 5.0, client: httpx.AsyncClient | None = None
    ) -> None:
        self._base_url = base_url.rstrip("/")
        # Prometheus needs a range of at least a couple of scrape intervals to see any increase.
        self._range = f"{max(int(math.ceil(interval_s)), 30)}s"
        self._client = client or httpx.AsyncClient(timeout=timeout_s)

    async def windows(self, tenant: str, adapter: str, versions: Iterable[str]) -> dict[str, VersionWindow]:
        return {version: await self._window(tenant, adapter, version) for version in versions}

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _window(self, tenant: str, adapter: str, version: str) -> VersionWindow:
        selector = f'tenant="{_quote(tenant)}",adapter="{_quote(adapter)}",version="{_quote(version)}"'
        outcomes = await self._vector(
            f"sum by (outcome) (increase({REQUESTS}_total{{{selector}}}[{self._range}]))", "outcome"
        )
        p95 = await self._scalar(
            f"histogram_quantile(0.95, sum by (le) (rate({DURATION}_bucket{{{selector}}}[{self._range}])))"
        )
        ttft = await self._scalar(
            f"histogram_quantile(0.95, sum by (le) (rate({TTFT}_bucket{{{selector}}}[{self._range}])))"
        )
        judge_sum = await self._scalar(f"sum(increase({JUDGE}_sum{{{selector}}}[{self._range}]))")
        judge_count = await self._scalar(f"sum(increase({JUDGE}_count{{{selector}}}[{self._range}]))")
        counted = sum(outcomes.get(o, 0.0) for o in ("ok", "error", "guard_blocked"))
        return VersionWindow(
            requests=round(counted),
            errors=round(outcomes.get("error", 0.0)),
            guard_blocks=round(outcomes.get("guard_blocked", 0.0)),
            p95_latency_s=p95,
            p95_ttft_s=ttft,
            judge_mean=(judge_sum / judge_count) if judge_sum is not None and judge_count else None,
            judge_count=round(judge_count or 0),
        )

    async def _query(self, promql: str) -> list[dict[str, Any]]:
        try:
            response = await self._client.get(f"{self._base_url}/api/v1/query", params={"query": promql})
            payload = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise MetricsUnavailable(f"Prometheus at {self._base_url} unreachable: {type(error).__name__}") from None
        if response.status_code != 200 or payload.get("status") != "success":
            raise MetricsUnavailable(
                f"Prometheus at {self._base_url} refused the query: {payload.get('error', response.status_code)}"
            )
        return list(payload.get("data", {}).get("result", []))

    async def _vector(self, promql: str, label: str) -> dict[str, float]:
        values: dict[str, float] = {}
        for item in await self._query(promql):
            value = _number(item)
            if value is not None:
                values[str(item.get("metric", {}).get(label, ""))] = value
        return values

    async def _scalar(self, promql: str) -> float | None:
        result = await self._query(promql)
        return _number(result[0]) if result else None


def _number(item: dict[str, Any]) -> float | None:
    try:
        value = float(item["value"][1])
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return None if math.isnan(value) or math.isinf(value) else value


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
