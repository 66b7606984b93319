"""The product description's cost analysis, computed from the real ledger and stated prices.

Three ways to serve the traffic the ledger recorded over a period:
- external API: every token at the external API's per-1K prices;
- self-hosted: GPU time the tokens need at the stated throughput (prefill and decode), at the GPU's hourly
  price, plus the fixed infrastructure cost prorated over the period (per 30 days);
- hybrid: a share of the requests self-hosted (GPU time for that share, plus the fixed cost) and the
  rest sent to the external API; the average request is assumed the same on both sides.
GPU time is counted as used (autoscaled), not as a GPU kept busy-or-idle all period; a fleet that is
always on is better described by ``infra_monthly_price``. Amounts are computed in Decimal and reported
in integer micro-units (totals) and decimal strings; the per-request figures are averages, not charges.
A missing price leaves out the scenarios that need it and says which setting to give.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from paramstack.metering.settings import CostModel

MICROS = Decimal(1_000_000)
DAYS_PER_MONTH = 30


@dataclass(frozen=True)
class Traffic:
    requests: int
    prompt_tokens: int
    completion_tokens: int
    since: date
    until: date

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1


def cost_report(traffic: Traffic, prices: CostModel, *, tenant: str | None = None) -> dict[str, Any]:
    warnings: list[str] = []
    external = _external(traffic, prices, warnings)
    gpu = _gpu(traffic, prices, warnings)
    infra = prices.infra_monthly_price * traffic.days / DAYS_PER_MONTH
    share = prices.hybrid_self_hosted_share
    scenarios: dict[str, dict[str, Any] | None] = {
        "external_api": _scenario(external, traffic, external) if external is not None else None,
        "self_hosted": _scenario(gpu + infra, traffic, external, gpu=gpu, infra=infra) if gpu is not None else None,
        "hybrid": (
            _scenario(share * gpu + (1 - share) * external + infra, traffic, external, self_hosted_share=str(share))
            if gpu is not None and external is not None
            else None
        ),
    }
    if traffic.requests == 0:
        warnings.append("the ledger has no requests in this period: every cost is 0")
    return {
        "tenant": tenant,
        "period": {"since": traffic.since.isoformat(), "until": traffic.until.isoformat(), "days": traffic.days},
        "traffic": {
            "requests": traffic.requests,
            "prompt_tokens": traffic.prompt_tokens,
            "completion_tokens": traffic.completion_tokens,
        },
        "currency": prices.currency,
        "prices": {k: (str(v) if v is not None else None) for k, v in prices.model_dump(exclude={"currency"}).items()},
        "scenarios": scenarios,
        "warnings": warnings,
    }


def _external(traffic: Traffic, prices: CostModel, warnings: list[str]) -> Decimal | None:
    if prices.external_input_per_1k is None or prices.external_output_per_1k is None:
        warnings.append(
            "external API prices missing: set metering.cost.external_input_per_1k and "
            "external_output_per_1k (or --external-input-per-1k/--external-output-per-1k)"
        )
        return None
    return (
        traffic.prompt_tokens * prices.external_input_per_1k + traffic.completion_tokens * prices.external_output_per_1k
    ) / 1000


def _gpu(traffic: Traffic, prices: CostModel, warnings: list[str]) -> Decimal | None:
    if prices.gpu_hour_price is None or prices.gpu_output_tokens_per_s is None:
        warnings.append(
            "self-hosted prices missing: set metering.cost.gpu_hour_price and gpu_output_tokens_per_s "
            "(or --gpu-hour-price/--gpu-output-tokens-per-s)"
        )
        return None
    seconds = traffic.completion_tokens / prices.gpu_output_tokens_per_s
    if prices.gpu_prompt_tokens_per_s is None:
        warnings.append("gpu_prompt_tokens_per_s not set: prompt (prefill) GPU time is not counted")
    else:
        seconds += traffic.prompt_tokens / prices.gpu_prompt_tokens_per_s
    return seconds / 3600 * prices.gpu_hour_price


def _scenario(total: Decimal, traffic: Traffic, external: Decimal | None, **parts: Any) -> dict[str, Any]:
    micros = _micros(total)
    result: dict[str, Any] = {
        "cost_micros": micros,
        "cost": _money(total),
        "per_30_days": _money(total * DAYS_PER_MONTH / traffic.days),
        "per_request": _money(total / traffic.requests, places=8) if traffic.requests else None,
    }
    for name, value in parts.items():
        result[f"{name}_cost" if isinstance(value, Decimal) else name] = (
            _money(value) if isinstance(value, Decimal) else value
        )
    if external is not None and external > 0:
        result["savings_vs_external"] = f"{(1 - total / external) * 100:.1f}%"
    return result


def _micros(amount: Decimal) -> int:
    return int((amount * MICROS).to_integral_value(rounding=ROUND_HALF_UP))


def _money(amount: Decimal, places: int = 6) -> str:
    return f"{amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"
