"""Metering settings: what happens when the shared limiter store fails, optional per-key caps, and the
prices ``paramstack cost-report`` compares (``metering:`` in paramstack.yaml, ``PARAMSTACK_METERING__*``).

The limiter store itself is not chosen here: it is Redis when ``redis_url`` is set (shared by every
replica), else in-process state.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class KeyLimits(BaseModel):
    """Caps on each API key on top of its tenant's limits (so one leaked key cannot eat a tenant's budget).

    Unset fields mean the key is only bound by its tenant's limits.
    """

    model_config = ConfigDict(extra="forbid")

    tps: int | None = Field(default=None, gt=0)
    rpm: int | None = Field(default=None, gt=0)
    max_concurrent: int | None = Field(default=None, gt=0)
    daily_tokens: int | None = Field(default=None, gt=0)


class CostModel(BaseModel):
    """Prices for ``paramstack cost-report``; every one can also be given as a flag.

    There are no built-in prices on purpose: a made-up default would print a confident, wrong report.
    A missing price leaves its scenario out of the report, with a warning naming the setting.
    """

    model_config = ConfigDict(extra="forbid")

    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    gpu_hour_price: Decimal | None = Field(default=None, ge=0, description="one GPU, per hour")
    gpu_output_tokens_per_s: Decimal | None = Field(
        default=None, gt=0, description="generated tokens/s one GPU sustains (batched)"
    )
    gpu_prompt_tokens_per_s: Decimal | None = Field(
        default=None, gt=0, description="prompt (prefill) tokens/s one GPU sustains"
    )
    infra_monthly_price: Decimal = Field(
        default=Decimal(0), ge=0, description="fixed cost of running self-hosted (k8s, storage), per 30 days"
    )
    external_input_per_1k: Decimal | None = Field(default=None, ge=0, description="external API, per 1K input tokens")
    external_output_per_1k: Decimal | None = Field(default=None, ge=0, description="external API, per 1K output tokens")
    hybrid_self_hosted_share: Decimal = Field(
        default=Decimal("0.6"), ge=0, le=1, description="share of requests served self-hosted in the hybrid"
    )


class MeteringSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Redis unreachable: refuse with 503 (default: a limiter that silently stops limiting is a bill nobody
    # agreed to), or admit without limits and still write every call's usage to the ledger.
    on_store_error: Literal["fail_closed", "fail_open"] = "fail_closed"
    # Per Redis call. Measured on the gateway's event loop, so it includes the loop's own scheduling delay
    # on a busy machine: too tight and a healthy Redis looks down (503s) under load.
    store_timeout_s: float = Field(default=1.0, gt=0, le=10, description="per Redis call")
    # Several deployments may share one Redis: each keeps its counters under its own prefix.
    redis_key_prefix: str = Field(default="paramstack:", min_length=1, max_length=64)
    # A replica killed mid-call cannot release its concurrency slot; the slot returns after this lease.
    # Longer than any call may last (streams included), or a live call would lose its slot.
    concurrency_lease_s: int = Field(default=900, ge=1)
    key_limits: KeyLimits = Field(default_factory=KeyLimits)
    cost: CostModel = Field(default_factory=CostModel)
