"""Policies by name, for many tenants: found, loaded and validated once, at start.

A tenant binds a policy *name*. Names resolve first in the operator's own policy directory (if one is
configured), then among the policies paramstack ships (``guard/policies/``: default, medical, legal).
A custom policy may ``extends: default`` (or any other name) and shadow a shipped one by reusing its name.

The gateway builds one ``GuardRegistry`` at start-up, calls ``load(names)`` (or ``load_all()``) so that a
broken policy stops the server with the file, line and field at fault, and then calls ``get(name)`` per
request: a dict lookup, guards are immutable and shared by all requests.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from paramstack.errors import ConfigurationError
from paramstack.guard.guard import Guard
from paramstack.guard.locate import SHIPPED_POLICY_DIR, available_policies, find_policy, policy_resolver
from paramstack.guard.policy import load_policy
from paramstack.guard.resources import Resources

# Re-exported: callers have always found the shipped directory and the lookups here.
__all__ = ["SHIPPED_POLICY_DIR", "GuardRegistry", "available_policies", "find_policy", "policy_resolver"]


class GuardRegistry:
    def __init__(self, policy_dir: str | Path | None = None, resources: Resources | None = None) -> None:
        self.policy_dir = Path(policy_dir) if policy_dir is not None else None
        if self.policy_dir is not None and not self.policy_dir.is_dir():
            raise ConfigurationError(f"guard policy directory {self.policy_dir} does not exist")
        self._resources = resources or Resources()
        self._guards: dict[str, Guard] = {}

    def names(self) -> list[str]:
        return sorted(available_policies(self.policy_dir))

    def load(self, names: Iterable[str]) -> GuardRegistry:
        """Load and validate these policies now (raises ``ConfigurationError`` naming file, line, field)."""
        for name in names:
            self.get(name)
        return self

    def load_all(self) -> GuardRegistry:
        return self.load(self.names())

    def get(self, name: str) -> Guard:
        guard = self._guards.get(name)
        if guard is None:
            path = find_policy(name, self.policy_dir)
            guard = Guard(load_policy(path, policy_resolver(self.policy_dir)), self._resources)
            self._guards[name] = guard
        return guard

    def __contains__(self, name: str) -> bool:
        return name in self._guards or name in available_policies(self.policy_dir)
