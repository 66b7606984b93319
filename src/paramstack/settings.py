"""One settings object: ``PARAMSTACK_*`` environment variables over one YAML file over defaults.

The YAML file is ``$PARAMSTACK_CONFIG`` if set, else ``$PARAMSTACK_HOME/paramstack.yaml`` when it exists.
Nested fields take ``__`` in environment variables (``PARAMSTACK_GUARD__POLICY_DIR``).
Validated once, at start; a bad file or value is a ``ConfigurationError`` naming the field.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from paramstack.attest.settings import AttestSettings
from paramstack.conversations.settings import ResponseStoreSettings
from paramstack.deploy.settings import CanarySettings
from paramstack.errors import ConfigurationError
from paramstack.guard.settings import GuardSettings
from paramstack.metering.settings import MeteringSettings
from paramstack.observability.settings import MetricsSettings
from paramstack.rag.settings import RagSettings
from paramstack.tenancy.settings import AuthSettings

DEFAULT_MODEL_NAME = "paramstack-tiny"


def default_home() -> Path:
    return Path(os.environ.get("PARAMSTACK_HOME", Path.home() / ".paramstack")).expanduser()


class ModelCapabilities(BaseModel):
    """What an upstream model can take beyond plain text. vLLM's /v1/models does not say, so the operator
    does; the defaults fit a text model served by vLLM with a tool-call parser."""

    tools: bool = True
    structured_outputs: bool = True
    logprobs: bool = True
    vision: bool = False


class ModelSettings(BaseModel):
    """One model the gateway serves, and the backend that runs it."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-/]*$")
    backend: Literal["local", "openai", "anthropic"] = "local"
    # local: a Hugging Face model directory (save_pretrained), adapters found under adapters_dir/<name>/
    path: Path | None = None
    adapters_dir: Path | None = None
    max_batch_size: int = Field(default=8, ge=1, le=256)
    device: str = "cpu"
    # CPU threads of the engine's worker (None: torch's default). Tiny models are fastest on one.
    threads: int | None = Field(default=None, ge=1, le=256)
    # openai: any OpenAI-compatible server (vLLM, the gateway itself, ...); anthropic: Anthropic's Messages API
    # (base_url defaults to https://api.anthropic.com, api_key to $ANTHROPIC_API_KEY)
    base_url: str | None = None
    upstream_model: str | None = None  # the name the upstream knows the base model by
    api_key: SecretStr | None = None
    timeout_s: float = Field(default=60.0, gt=0)
    capabilities: ModelCapabilities = Field(default_factory=ModelCapabilities)  # reported by GET /v1/models
    # openai: resilience (engine/retry.py, engine/fallback.py). Retries only failures with no output yet.
    retries: int = Field(default=2, ge=0, le=10)
    retry_backoff_s: float = Field(default=0.2, ge=0)
    runtime_lora: bool = True  # load a registered adapter version via /v1/load_lora_adapter before its first use
    upstream_adapter_dir: str | None = None  # adapters_dir as the upstream server sees it (default: same path)
    fallback_model: str | None = None  # another configured model that answers when this one fails
    hybrid_percent: int = Field(default=0, ge=0, le=100)  # share of requests sent to fallback_model on purpose
    breaker_failures: int = Field(default=5, ge=1)  # failures in a row that open the circuit
    breaker_reset_s: float = Field(default=30.0, gt=0)  # open circuit: seconds before one trial request

    @model_validator(mode="after")
    def _backend_fields(self) -> ModelSettings:
        if self.backend == "local" and self.path is None:
            raise ValueError(f"model {self.name!r}: backend 'local' needs 'path' (a model directory)")
        if self.backend == "openai" and not self.base_url:
            raise ValueError(f"model {self.name!r}: backend 'openai' needs 'base_url'")
        if self.hybrid_percent and not self.fallback_model:
            raise ValueError(f"model {self.name!r}: hybrid_percent needs fallback_model")
        return self


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PARAMSTACK_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    home: Path = Field(default_factory=default_home)
    database_url: str | None = None  # default: sqlite:///$PARAMSTACK_HOME/paramstack.db
    redis_url: str | None = None  # shared limits/quotas across replicas when set
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    max_tokens_limit: int = Field(default=4096, ge=1)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # auto: readable lines when stderr is a terminal, JSON lines otherwise (log collectors, files, pipes)
    log_format: Literal["auto", "json", "text"] = "auto"
    console_session_ttl_s: int = Field(default=8 * 3600, ge=60, le=30 * 24 * 3600)  # /console/ sign-in lifetime
    models: list[ModelSettings] = Field(default_factory=list)
    metering: MeteringSettings = Field(default_factory=MeteringSettings)
    attest: AttestSettings = Field(default_factory=AttestSettings)
    guard: GuardSettings = Field(default_factory=GuardSettings)
    canary: CanarySettings = Field(default_factory=CanarySettings)
    rag: RagSettings = Field(default_factory=RagSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    responses: ResponseStoreSettings = Field(default_factory=ResponseStoreSettings)  # /v1/responses store

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = config_file_path()
        if config_file is not None:
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=config_file))
        return tuple(sources)

    @model_validator(mode="after")
    def _defaults_under_home(self) -> Settings:
        if not self.models:
            self.models = [self.embedded_default_model()]
        names = [m.name for m in self.models]
        if len(set(names)) != len(names):
            raise ValueError(f"models: names must be unique, got {names}")
        for model in self.models:
            if model.fallback_model is not None and model.fallback_model not in set(names) - {model.name}:
                raise ValueError(
                    f"model {model.name!r}: fallback_model {model.fallback_model!r} is not another configured model"
                )
        return self

    def embedded_default_model(self) -> ModelSettings:
        return ModelSettings(
            name=DEFAULT_MODEL_NAME,
            backend="local",
            path=self.home / "models" / DEFAULT_MODEL_NAME,
            adapters_dir=self.home / "adapters",
            threads=1,  # a 5M-parameter model: splitting its small matrices across threads only costs
        )

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'paramstack.db'}"

    def model(self, name: str) -> ModelSettings | None:
        return next((m for m in self.models if m.name == name), None)

    def artifact_dirs(self, model: str, adapter: str | None) -> tuple[Path | None, Path | None]:
        """The directories of a local model and of one of its adapters (None where not local)."""
        settings = self.model(model)
        if settings is None or settings.backend != "local":
            return None, None
        adapter_dir = settings.adapters_dir / adapter if adapter and settings.adapters_dir else None
        return settings.path, adapter_dir


def config_file_path() -> Path | None:
    explicit = os.environ.get("PARAMSTACK_CONFIG")
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigurationError(f"PARAMSTACK_CONFIG points at {path}, which is not a file")
        return path
    candidate = default_home() / "paramstack.yaml"
    return candidate if candidate.is_file() else None


def load_settings(**overrides: Any) -> Settings:
    """Build and validate the settings; errors name the field that is wrong."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in error.errors())
        raise ConfigurationError(f"invalid settings: {problems}") from None
