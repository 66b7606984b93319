"""The canary SLO policy (YAML): what "healthy" means, how fast to step, when to give up.

The policy says *how* to roll out; which tenant, adapter and version is given on the command line, so one
policy file serves every adapter. Unknown fields are errors: a misspelt ``max_eror_rate`` must not silently
turn an SLO off. ``examples/canary-policy.yaml`` is a commented example.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from paramstack.errors import ConfigurationError

DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def parse_duration(value: float | int | str) -> float:
    """``30``, ``30s``, ``2m``, ``500ms`` -> seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    match = DURATION.match(str(value))
    if not match:
        raise ValueError(f"{value!r} is not a duration (e.g. 30s, 2m, 500ms)")
    return float(match.group(1)) * UNIT_SECONDS[match.group(2)]


class Objectives(BaseModel):
    """Limits the canary version must stay within, measured over each interval."""

    model_config = ConfigDict(extra="forbid")

    max_error_rate: float = Field(ge=0, le=1)
    max_p95_latency_s: float = Field(gt=0)
    max_p95_ttft_s: float | None = Field(default=None, gt=0)
    max_guard_block_rate: float | None = Field(default=None, ge=0, le=1)
    min_judge_score: float | None = Field(default=None, ge=0, le=1)


class MetricsSourceSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: Literal["gateway", "prometheus"] = "gateway"
    # gateway: the /metrics URL of every replica (summed): its metrics listener (metrics.port, 9464 by default),
    # or the public port with bearer_token = the gateway's metrics.bearer_token; prometheus: the server's base URL.
    urls: list[str] = Field(default_factory=lambda: ["http://127.0.0.1:9464/metrics"], min_length=1)
    timeout_s: float = Field(default=5.0, gt=0)
    bearer_token: SecretStr | None = None

    @field_validator("urls")
    @classmethod
    def _http_urls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"{url!r} is not an http(s) URL")
        return urls


class KubernetesTarget(BaseModel):
    """Kubernetes mode: the InferenceService whose predictor ``canaryTrafficPercent`` the controller patches."""

    model_config = ConfigDict(extra="forbid")

    namespace: str = Field(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    inference_service: str = Field(pattern=r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
    kubeconfig: Path | None = None  # None: in-cluster config, else ~/.kube/config
    context: str | None = None


class SloPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    steps: list[int] = Field(default_factory=lambda: [10, 50, 100], min_length=1)
    interval_s: float = Field(default=60.0, alias="interval", gt=0)
    failure_threshold: int = Field(default=2, ge=1, description="failed checks before rollback")
    min_requests: int = Field(default=20, ge=1, description="canary requests an interval needs to judge it")
    slo: Objectives
    metrics: MetricsSourceSettings = Field(default_factory=MetricsSourceSettings)
    kubernetes: KubernetesTarget | None = None
    webhook_url: SecretStr | None = None

    @field_validator("interval_s", mode="before")
    @classmethod
    def _duration(cls, value: float | int | str) -> float:
        return parse_duration(value)

    @field_validator("steps")
    @classmethod
    def _increasing_percentages(cls, steps: list[int]) -> list[int]:
        for step in steps:
            if not 1 <= step <= 100:
                raise ValueError(f"step weight {step} is outside 1..100 (percent of end users on the canary)")
        if any(b <= a for a, b in zip(steps, steps[1:], strict=False)):
            raise ValueError(f"step weights must increase, got {steps}")
        return steps

    @property
    def mode(self) -> Literal["gateway", "kserve"]:
        return "kserve" if self.kubernetes is not None else "gateway"


def load_policy(path: Path) -> SloPolicy:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigurationError(f"cannot read SLO policy {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ConfigurationError(f"SLO policy {path} is not valid YAML: {error}") from None
    return parse_policy(data, str(path))


def parse_policy(data: object, where: str = "policy") -> SloPolicy:
    if not isinstance(data, dict):
        raise ConfigurationError(f"SLO policy {where} must be a mapping (steps, interval, slo, ...)")
    try:
        return SloPolicy.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in error.errors())
        raise ConfigurationError(f"invalid SLO policy {where}: {problems}") from None
