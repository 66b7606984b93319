"""Guardrails: per-tenant YAML policies over PII, jailbreak, injection, toxicity, copyright and disclaimer checks.

The gateway's view::

    registry = GuardRegistry(policy_dir=settings.guard_policy_dir).load(tenant_policy_names)
    guard = registry.get(tenant.policy)                  # immutable, shared by requests
    result = guard.validate(prompt, direction="input")   # or guard.enforce(...) to raise ContentBlocked
    stream = guard.stream("output")                      # per streamed response
    safe = stream.feed(delta); ...; tail = stream.finish()
    guard.check_untrusted(tool_result)                   # tool results, documents, RAG chunks: strip/annotate/block
    guard.check_conversation([message, message, ...])    # attacks split across messages or content parts

Every check reads one normalisation of the text (``normalize.py``: invisible and tag characters, look-alikes,
full-width, leetspeak, letter spacing, Turkish folding; base64/ROT13/reversed payloads as decoded views).
"""

from paramstack.guard.guard import Guard
from paramstack.guard.policy import Policy, load_policy
from paramstack.guard.registry import GuardRegistry, available_policies
from paramstack.guard.result import Finding, GuardResult
from paramstack.guard.streaming import OutputStream

__all__ = [
    "Finding",
    "Guard",
    "GuardRegistry",
    "GuardResult",
    "OutputStream",
    "Policy",
    "available_policies",
    "load_policy",
]
