"""A call's price: integer micro-units of the tenant's currency, never floats.

The tenant's prices are per 1,000 tokens (``TenantPricing``); a call's cost is rounded half up to a whole
micro-unit once, per call, and the ledger keeps the prices it used so every row can be re-derived.
A tenant priced at zero is a free tier, not an error: its calls cost 0 and are still metered.
"""

from __future__ import annotations

from paramstack.calls import UsageCounts
from paramstack.tenancy.models import TenantPricing


def cost_micros(usage: UsageCounts, pricing: TenantPricing) -> int:
    per_thousand = (
        usage.prompt_tokens * pricing.input_per_1k_micros + usage.completion_tokens * pricing.output_per_1k_micros
    )
    return (per_thousand + 500) // 1000
