"""The deploy config (one YAML file): the vLLM launch, its KServe InferenceService, the gateway in front.

``paramstack deploy vllm`` reads ``vllm``; ``paramstack deploy kserve`` reads all three, so the pod runs the
very arguments ``vllm serve`` would. Unknown fields are errors (a typo must not silently fall back to a
default). ``examples/deploy.yaml`` is a commented example.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from paramstack.deploy.vllm_config import VllmSettings
from paramstack.errors import ConfigurationError

DNS_LABEL = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"
QUANTITY = r"^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$"


class KServeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="paramstack-vllm", pattern=DNS_LABEL, max_length=45)
    namespace: str = Field(default="paramstack", pattern=DNS_LABEL, max_length=63)
    # Where the base model comes from: pvc://, s3://, gs://, hf://. None: --model_id=<vllm.model> (hub download).
    storage_uri: str | None = None
    runtime: str | None = Field(default=None, description="ServingRuntime name; None lets KServe choose")
    min_replicas: int = Field(default=1, ge=0)
    max_replicas: int = Field(default=4, ge=1)
    scale_metric: Literal["concurrency", "rps", "cpu", "memory"] = "concurrency"
    scale_target: int = Field(default=8, ge=1)
    gpus: int | None = Field(default=None, ge=1, description="default: vllm.tensor_parallel_size")
    gpu_resource: str = "nvidia.com/gpu"
    cpu: str = Field(default="4", pattern=QUANTITY)
    memory: str = Field(default="24Gi", pattern=QUANTITY)
    canary_traffic_percent: int | None = Field(default=None, ge=0, le=100)
    adapters_pvc: str | None = Field(default=None, pattern=DNS_LABEL, description="PVC holding adapter versions")
    adapters_mount: str = "/mnt/adapters"

    @model_validator(mode="after")
    def _replica_range(self) -> KServeSettings:
        if self.min_replicas > self.max_replicas:
            raise ValueError(f"min_replicas ({self.min_replicas}) must be <= max_replicas ({self.max_replicas})")
        return self


class GatewayDeploySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="paramstack-gateway", pattern=DNS_LABEL, max_length=63)
    image: str = "paramstack:0.1.0"
    replicas: int = Field(default=2, ge=1)
    port: int = Field(default=8000, ge=1, le=65535)
    # An existing Secret with PARAMSTACK_DATABASE_URL / PARAMSTACK_REDIS_URL: referenced, never generated.
    secret: str = Field(default="paramstack-secrets", pattern=DNS_LABEL)
    cpu: str = Field(default="1", pattern=QUANTITY)
    memory: str = Field(default="1Gi", pattern=QUANTITY)
    # Alert thresholds of the PrometheusRule (the canary controller has its own SLO file).
    alert_error_rate: float = Field(default=0.05, gt=0, le=1)
    alert_p95_latency_s: float = Field(default=5.0, gt=0)


class DeployConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vllm: VllmSettings = Field(default_factory=VllmSettings)
    kserve: KServeSettings = Field(default_factory=KServeSettings)
    gateway: GatewayDeploySettings = Field(default_factory=GatewayDeploySettings)


def load_deploy_config(path: Path | None) -> DeployConfig:
    """The file at ``path`` (errors name the field), or the defaults when ``path`` is None."""
    if path is None:
        return DeployConfig()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as error:
        raise ConfigurationError(f"cannot read deploy config {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ConfigurationError(f"deploy config {path} is not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise ConfigurationError(f"deploy config {path} must be a mapping with vllm/kserve/gateway sections")
    try:
        return DeployConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigurationError(f"invalid deploy config {path}: {validation_message(error)}") from None


def validation_message(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in error.errors())
