"""The ``canary:`` section of paramstack's settings (the per-rollout SLOs live in their own policy file)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class CanarySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # How stale a gateway replica's view of the traffic split may be: the bound on how long a rolled-back
    # version can still receive requests after the controller's decision.
    refresh_s: float = Field(default=1.0, gt=0, le=60)
    # Slack-compatible incoming webhook for rollout decisions (a secret: the URL is the credential).
    webhook_url: SecretStr | None = None
