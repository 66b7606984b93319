"""Where a policy name points: the operator's policy directory first, then the policies paramstack ships.

Kept apart from ``registry.py`` (which builds guards) so that ``Guard.from_policy_name`` can find a file
without importing the registry, and the registry can import the guard: no import circle.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from paramstack.errors import ConfigurationError

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
