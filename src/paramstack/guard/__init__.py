"""Guardrails: per-tenant YAML policies over PII, jailbreak, toxicity, copyright and disclaimer checks.

The gateway's view::

    registry = GuardRegistry(policy_dir=settings.guard_policy_dir).load(tenant_policy_names)
    guard = registry.get(tenant.policy)                  # immutable, shared by requests
    result = guard.validate(prompt, direction="input")   # or guard.enforce(...) to raise ContentBlocked
    stream = guard.stream("output")                      # per streamed response
    safe = stream.feed(delta); ...; tail = stream.finish()
"""

from paramstack.guard.guard import Guard
from paramstack.guard.policy import Policy, load_policy
from paramstack.guard.registry import GuardRegistry, available_policies
from paramstack.guard.result import Finding, GuardResult
from paramstack.guard.streaming import OutputStream

__all__ = ["Finding", "Guard", "GuardRegistry", "GuardResult", "OutputStream", "Policy", "available_policies",
           "load_policy"]
