"""The adapter registry: adapter versions, channel pointers (``stable``), and the names engines serve them by.

Public API:
    AdapterRegistry(database)       register / get / versions / list / channels / current / set_channel /
                                    clear_channel / snapshot / engine_adapter / attachments
    AdapterResolver(registry)       cached tenant adapter name -> engine adapter name, for the router
    engine_adapter_name(n, v)       "n@v"; split_engine_adapter_name("n@v") -> ("n", "v")
    check_fits(adapter_dir, model_dir)   adapter/base shape check from safetensors headers
"""

from paramstack.registry.compat import check_fits
from paramstack.registry.names import STABLE, engine_adapter_name, split_engine_adapter_name
from paramstack.registry.resolver import AdapterResolver
from paramstack.registry.store import AdapterRegistry, AdapterSummary, AdapterVersion

__all__ = [
    "STABLE",
    "AdapterRegistry",
    "AdapterResolver",
    "AdapterSummary",
    "AdapterVersion",
    "check_fits",
    "engine_adapter_name",
    "split_engine_adapter_name",
]
