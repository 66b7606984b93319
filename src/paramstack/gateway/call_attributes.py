"""The OpenTelemetry attributes of a call's span (GenAI semantic conventions): ids and numbers, never text."""

from __future__ import annotations

from typing import Any

from paramstack.calls import CallInfo, Outcome, UsageCounts
from paramstack.gateway.call_request import CallRequest


def request_attributes(call: CallInfo, request: CallRequest) -> dict[str, Any]:
    """GenAI semantic-convention attributes of the request (ids and numbers only, never text)."""
    return {
        "gen_ai.request.model": call.public_model,
        "gen_ai.response.model": call.model,
        "gen_ai.response.id": call.request_id,
        "gen_ai.request.max_tokens": call.sampling.max_tokens,
        "gen_ai.request.temperature": call.sampling.temperature,
        "gen_ai.request.top_p": call.sampling.top_p,
        "gen_ai.system": "paramstack",
        "paramstack.tenant": call.org_id,
        "paramstack.adapter": call.adapter,
        "paramstack.protocol": request.protocol,
        "paramstack.tools": len(request.tools),
    }


def usage_attributes(usage: UsageCounts, outcome: Outcome) -> dict[str, Any]:
    return {
        "gen_ai.usage.input_tokens": usage.prompt_tokens,
        "gen_ai.usage.output_tokens": usage.completion_tokens,
        "paramstack.outcome": outcome.kind.value,
        "paramstack.outcome_code": outcome.code,
    }
