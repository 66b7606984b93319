"""Policies by name, for many tenants: found, loaded and validated once, at start.

A tenant binds a policy *name*. Names resolve first in the operator's own policy directory (if one is
configured), then among the policies paramstack ships (``guard/policies/``: default, medical, legal).
A custom policy may ``extends: default`` (or any other name) and shadow a shipped one by reusing its name.

The gateway builds one ``GuardRegistry`` at start-up, calls ``load(names)`` (or ``load_all()``) so that a
broken policy stops the server with the file, line and field at fault, and then calls ``get(name)`` per
request: a dict lookup, guards are immutable and shared by all requests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from paramstack.errors import ConfigurationError
from paramstack.guard.guard import Guard
from paramstack.guard.policy import load_policy
from paramstack.guard.resources import Resources

SHIPPED_POLICY_DIR = Path(__file__).parent / "policies"


def _search_dirs(policy_dir: Path | None) -> list[Path]:
    return [d for d in (policy_dir, SHIPPED_POLICY_DIR) if d is not None]


def find_policy(name: str, policy_dir: Path | None = None) -> Path:
    """A policy file from a name (``default``) or a path (``./mine.yaml``)."""
    candidate = Path(name).expanduser()
    if candidate.suffix in (".yaml", ".yml") or "/" in name:
        if not candidate.is_file():
            raise ConfigurationError(f"guard policy file {candidate} not found")
        return candidate
    for directory in _search_dirs(policy_dir):
        for suffix in (".yaml", ".yml"):
            path = directory / f"{name}{suffix}"
            if path.is_file():
                return path
    known = ", ".join(sorted(available_policies(policy_dir)))
    raise ConfigurationError(f"unknown guard policy '{name}' (known: {known})")


def available_policies(policy_dir: Path | None = None) -> dict[str, Path]:
    """Every policy name visible with this directory; custom ones shadow shipped ones."""
    found: dict[str, Path] = {}
    for directory in reversed(_search_dirs(policy_dir)):
        if directory.is_dir():
            for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
                found[path.stem] = path
    return found


def policy_resolver(policy_dir: Path | None) -> Callable[[str, Path], Path]:
    """How ``extends: NAME`` is resolved: a path relative to the file, else a name beside it, then by name."""

    def resolve(name: str, from_dir: Path) -> Path:
        if name.endswith((".yaml", ".yml")) or "/" in name:
            path = (from_dir / name) if not Path(name).is_absolute() else Path(name)
            if not path.is_file():
                raise ConfigurationError(f"base policy file '{name}' not found ({path})")
            return path
        beside = from_dir / f"{name}.yaml"
        return beside if beside.is_file() else find_policy(name, policy_dir)

    return resolve


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
