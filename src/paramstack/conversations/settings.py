"""Settings of stored responses; mounted as ``Settings.responses`` (``PARAMSTACK_RESPONSES__*``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ResponseStoreSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # OpenAI keeps stored responses 30 days. None: until deleted. An expired response is gone for its
    # tenant (GET answers 404, previous_response_id 400), and `purge_expired` removes its row.
    retention_days: float | None = Field(default=30.0, gt=0)
    # The largest conversation (turns) previous_response_id may carry forward; older turns are dropped
    # first, as OpenAI's truncation "auto" would rather than fail the call.
    max_turns: int = Field(default=200, ge=1, le=10_000)
