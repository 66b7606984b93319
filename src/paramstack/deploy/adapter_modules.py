"""``--lora-modules`` from the registry: every registered version of the adapters tenants use on a model.

All versions, not only ``stable``: LoRA adapters are small, and a version vLLM already serves makes both a
canary and a rollback instant (no load on the request path). Paths are rewritten to where vLLM sees them
(``upstream_adapter_dir``).
"""

from __future__ import annotations

from paramstack.deploy.vllm_config import LoraModule
from paramstack.engine.adapter_paths import upstream_adapter_path
from paramstack.registry import AdapterRegistry, split_engine_adapter_name
from paramstack.settings import ModelSettings
from paramstack.tenancy.models import Tenant


def registry_modules(registry: AdapterRegistry, model: ModelSettings, tenants: list[Tenant]) -> list[LoraModule]:
    used = {adapter for tenant in tenants if model.name in tenant.models for adapter in tenant.adapters}
    modules = []
    for engine_name, path in registry.attachments(model.name, base_path=str(model.path) if model.path else None):
        if split_engine_adapter_name(engine_name)[0] in used:
            modules.append(LoraModule(name=engine_name, path=upstream_adapter_path(model, path)))
    return modules


def merge_modules(configured: list[LoraModule], registered: list[LoraModule]) -> list[LoraModule]:
    """The config's own entries win over the registry's for the same name."""
    names = {m.name for m in configured}
    return [*configured, *(m for m in registered if m.name not in names)]
