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
    # The online judge that feeds paramstack_adapter_version_judge_score (what an SLO's min_judge_score reads):
    # a judge name as `paramstack rlaif` takes it (offline, openai:BASE_URL#MODEL, anthropic:MODEL). Unset: no
    # scores, and a policy with min_judge_score is refused when its rollout starts.
    judge: str | None = Field(default=None, min_length=1)
    # Share of the responses of every adapter version (stable and canary alike) that are judged, off the
    # request path, after the response went out.
    judge_sample_rate: float = Field(default=0.1, ge=0, le=1)
    # Judgements in flight at once per replica; a sample beyond that is dropped (and counted), never queued
    # without bound behind a slow judge.
    judge_max_pending: int = Field(default=8, ge=1, le=1024)
    judge_timeout_s: float = Field(default=30.0, gt=0)

    @property
    def judge_configured(self) -> bool:
        return self.judge is not None and self.judge_sample_rate > 0
