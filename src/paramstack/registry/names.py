"""How a registered adapter version is named inside an inference engine: ``<name>@<version>``.

'@' cannot occur in an adapter name or a version, so the engine name maps back unambiguously (metrics and
the audit log show which version answered). Versions contain no '.': PEFT keeps adapters in a torch
ModuleDict, whose keys may not contain dots.
"""

from __future__ import annotations

import re

from paramstack.errors import InvalidRequest

SEPARATOR = "@"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,127}$")
VERSION_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")
STABLE = "stable"
CHANNEL_PATTERN = re.compile(r"^[a-z][a-z0-9_\-]{0,31}$")


def engine_adapter_name(name: str, version: str) -> str:
    return f"{name}{SEPARATOR}{version}"


def split_engine_adapter_name(engine_name: str) -> tuple[str, str | None]:
    """``("medical-lora", "v2")`` from ``medical-lora@v2``; ``(name, None)`` for an unversioned adapter."""
    name, separator, version = engine_name.partition(SEPARATOR)
    return name, (version if separator else None)


def check_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise InvalidRequest(f"invalid adapter name {name!r}: letters, digits, '_' and '-', at most 128", param="name")
    return name


def check_version(version: str) -> str:
    if not VERSION_PATTERN.match(version):
        raise InvalidRequest(
            f"invalid version {version!r}: letters, digits, '_' and '-' (no dots: PEFT adapter "
            "names cannot contain them), at most 64",
            param="version",
        )
    return version


def check_channel(channel: str) -> str:
    if not CHANNEL_PATTERN.match(channel):
        raise InvalidRequest(f"invalid channel {channel!r}: lowercase letters, digits, '_' and '-'", param="channel")
    return channel
