"""The vLLM launch settings: one typed model that feeds both ``vllm serve`` and the KServe manifest.

Field names follow vLLM's engine arguments (``max_loras`` is ``--max-loras``). The checks here are the ones
vLLM itself makes at start-up, made earlier, where a person reads them, instead of minutes later in a pod
log: ``max_cpu_loras >= max_loras`` and ``max_lora_rank`` in vLLM's ``MaxLoRARanks``
(``vllm/config/lora.py``). Checks that need the file system (adapter ranks, draft vocabulary) are in
``vllm_checks.py``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# vLLM's MaxLoRARanks (vllm/config/lora.py, 0.11 and later). Releases before 0.11 accepted 8..256 only.
MAX_LORA_RANKS = (1, 8, 16, 32, 64, 128, 256, 320, 512)
KvCacheDtype = Literal["auto", "fp8", "fp8_e4m3", "fp8_e5m2"]
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@:\-]{0,127}$"
DEFAULT_BASE_MODEL = "mistralai/Mistral-7B-Instruct-v0.2"


class LoraModule(BaseModel):
    """One ``--lora-modules`` entry: the name clients send as ``model`` and the adapter directory."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME_PATTERN)
    path: str = Field(min_length=1)
    base_model_name: str | None = None

    def cli_value(self) -> str:
        # The JSON form is the only one that carries base_model_name; name=path is the classic form.
        if self.base_model_name:
            import json

            return json.dumps(
                {"name": self.name, "path": self.path, "base_model_name": self.base_model_name}, separators=(",", ":")
            )
        return f"{self.name}={self.path}"


class LoraSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    max_loras: int = Field(default=4, ge=1, description="adapters in one GPU batch")
    max_lora_rank: int = Field(default=16, description=f"one of {MAX_LORA_RANKS}")
    max_cpu_loras: int | None = Field(default=None, ge=1, description="adapters cached in CPU memory")
    modules: list[LoraModule] = Field(default_factory=list)
    # VLLM_ALLOW_RUNTIME_LORA_UPDATING: lets the gateway load a new adapter version without a restart.
    runtime_updates: bool = True

    @field_validator("max_lora_rank")
    @classmethod
    def _rank_allowed(cls, rank: int) -> int:
        if rank not in MAX_LORA_RANKS:
            raise ValueError(
                f"max_lora_rank {rank} is not one vLLM accepts; choose one of {', '.join(map(str, MAX_LORA_RANKS))}"
            )
        return rank

    @model_validator(mode="after")
    def _cpu_cache_holds_the_batch(self) -> LoraSettings:
        if self.max_cpu_loras is not None and self.max_cpu_loras < self.max_loras:
            raise ValueError(
                f"max_cpu_loras ({self.max_cpu_loras}) must be >= max_loras ({self.max_loras}): "
                "vLLM keeps every adapter of a GPU batch in its CPU cache too"
            )
        names = [m.name for m in self.modules]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"lora module names must be unique; repeated: {', '.join(duplicates)}")
        return self


class SpeculativeSettings(BaseModel):
    """``--speculative-config``: a small draft model, or n-gram lookup in the prompt (no second model)."""

    model_config = ConfigDict(extra="forbid")

    method: Literal["draft_model", "ngram"] = "draft_model"
    model: str | None = Field(default=None, description="draft model: hub id or local directory")
    num_speculative_tokens: int = Field(default=5, ge=1, le=32)
    prompt_lookup_max: int | None = Field(default=None, ge=1)
    prompt_lookup_min: int | None = Field(default=None, ge=1)
    draft_tensor_parallel_size: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _method_fields(self) -> SpeculativeSettings:
        if self.method == "draft_model" and not self.model:
            raise ValueError("speculative method 'draft_model' needs 'model' (e.g. a TinyLlama-1.1B directory)")
        if self.method == "ngram":
            if self.model:
                raise ValueError("speculative method 'ngram' takes no draft 'model'")
            if self.prompt_lookup_max is None:
                self.prompt_lookup_max = 4
            if self.prompt_lookup_min is not None and self.prompt_lookup_min > self.prompt_lookup_max:
                raise ValueError(
                    f"prompt_lookup_min ({self.prompt_lookup_min}) must be <= "
                    f"prompt_lookup_max ({self.prompt_lookup_max})"
                )
        return self

    def as_json(self) -> dict[str, Any]:
        config: dict[str, Any] = {"method": self.method, "num_speculative_tokens": self.num_speculative_tokens}
        for key in ("model", "prompt_lookup_max", "prompt_lookup_min", "draft_tensor_parallel_size"):
            value = getattr(self, key)
            if value is not None:
                config[key] = value
        return config


class VllmSettings(BaseModel):
    """What ``vllm serve`` runs: the base model, its adapters, speculation, the KV cache, the port."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(default=DEFAULT_BASE_MODEL, min_length=1, description="hub id or local directory")
    served_model_name: str | None = Field(default=None, pattern=NAME_PATTERN)
    host: str = "0.0.0.0"
    port: int = Field(default=8000, ge=1, le=65535)
    tensor_parallel_size: int = Field(default=1, ge=1, le=64)
    dtype: Literal["auto", "half", "float16", "bfloat16", "float", "float32"] = "auto"
    max_model_len: int | None = Field(default=None, ge=16)
    gpu_memory_utilization: float = Field(default=0.9, gt=0.0, le=1.0)
    kv_cache_dtype: KvCacheDtype = "auto"
    calculate_kv_scales: bool = False
    lora: LoraSettings = Field(default_factory=LoraSettings)
    speculative: SpeculativeSettings | None = None
    # vLLM's parser of the model's tool-call syntax (mistral, hermes, llama3_json, ...): without one vLLM
    # refuses tool_choice "auto" (named and "required" calls work through its guided decoding regardless).
    tool_call_parser: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_\-]+$")
    extra_args: list[str] = Field(default_factory=list, description="passed through unchanged, last")

    @property
    def public_name(self) -> str:
        """The name the OpenAI API serves the base model under (what the gateway's upstream_model names)."""
        return self.served_model_name or self.model
