"""The adapter registry: versions of each adapter, and which version each channel (``stable``...) serves.

    registry = AdapterRegistry(database)
    v = registry.register("medical-lora", path, base_model="paramstack-tiny")   # v1, becomes stable
    v2 = registry.register("medical-lora", path2, base_model="paramstack-tiny")  # v2, not yet served
    registry.set_channel("medical-lora", "stable", "v2")                         # promote (the rollout's job)
    registry.engine_adapter("medical-lora")              # -> "medical-lora@v2": what the engine loaded
    registry.attachments("paramstack-tiny")              # -> [("medical-lora@v1", path), ...] to load at start

Versions are immutable: a new adapter is a new version, so a response's audit record names exactly the
weights that produced it. The first version of a name becomes ``stable`` at once (there is nothing to
roll out against); later ones only when told (``make_stable`` or a channel move).
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from paramstack.errors import Conflict, NotFound
from paramstack.registry.names import STABLE, check_channel, check_name, check_version, engine_adapter_name
from paramstack.registry.tables import adapter_channels, adapter_versions


@dataclass(frozen=True)
class AdapterVersion:
    name: str
    version: str
    seq: int
    path: str
    base_model: str
    manifest_sha256: str | None
    created_at: datetime
    created_by: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def engine_name(self) -> str:
        return engine_adapter_name(self.name, self.version)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "seq": self.seq,
            "engine_name": self.engine_name,
            "path": self.path,
            "base_model": self.base_model,
            "manifest_sha256": self.manifest_sha256,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "details": self.details,
        }


@dataclass(frozen=True)
class AdapterSummary:
    name: str
    base_model: str
    versions: int
    latest: str
    channels: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "base_model": self.base_model,
            "versions": self.versions,
            "latest": self.latest,
            "channels": self.channels,
        }


class AdapterRegistry:
    def __init__(self, database: Engine) -> None:
        self._db = database

    # ----- writing ------------------------------------------------------------------------------

    def register(
        self,
        name: str,
        path: str,
        base_model: str,
        *,
        version: str | None = None,
        manifest_sha256: str | None = None,
        details: dict[str, Any] | None = None,
        created_by: str = "",
        make_stable: bool = False,
    ) -> AdapterVersion:
        """Add a version (``v<N>`` unless given). Refuses a second base for the same name: a name's
        versions must be interchangeable, or a promotion would swap the base under a tenant."""
        check_name(name)
        now = datetime.now(UTC)
        with self._db.begin() as connection:
            rows = connection.execute(
                sa.select(adapter_versions.c.seq, adapter_versions.c.base_model).where(adapter_versions.c.name == name)
            ).all()
            bases = {row.base_model for row in rows}
            if bases and base_model not in bases:
                raise Conflict(
                    f"adapter {name!r} is registered on base {sorted(bases)[0]!r}, not {base_model!r}: "
                    "register it under another name",
                    param="base_model",
                )
            seq = max((row.seq for row in rows), default=0) + 1
            version = check_version(version or f"v{seq}")
            record = AdapterVersion(
                name, version, seq, str(path), base_model, manifest_sha256, now, created_by, details or {}
            )
            try:
                connection.execute(
                    adapter_versions.insert().values(
                        name=name,
                        version=version,
                        seq=seq,
                        path=record.path,
                        base_model=base_model,
                        manifest_sha256=manifest_sha256,
                        details=record.details,
                        created_at=now,
                        created_by=created_by,
                    )
                )
            except sa.exc.IntegrityError:
                raise Conflict(f"adapter {name!r} already has a version {version!r}", param="version") from None
            if seq == 1 or make_stable:
                self._point(connection, name, STABLE, version, now)
        return record

    def set_channel(self, name: str, channel: str, version: str) -> AdapterVersion:
        """Point ``channel`` of ``name`` at ``version`` (promotion and rollback both go through here)."""
        check_channel(channel)
        target = self.get(name, version)
        with self._db.begin() as connection:
            self._point(connection, name, channel, version, datetime.now(UTC))
        return target

    def clear_channel(self, name: str, channel: str) -> None:
        if channel == STABLE:
            raise Conflict("the stable channel cannot be removed; point it at another version", param="channel")
        with self._db.begin() as connection:
            connection.execute(
                adapter_channels.delete().where(
                    (adapter_channels.c.name == name) & (adapter_channels.c.channel == channel)
                )
            )

    @staticmethod
    def _point(connection: Any, name: str, channel: str, version: str, now: datetime) -> None:
        where = (adapter_channels.c.name == name) & (adapter_channels.c.channel == channel)
        updated = connection.execute(adapter_channels.update().where(where).values(version=version, updated_at=now))
        if updated.rowcount == 0:
            connection.execute(
                adapter_channels.insert().values(name=name, channel=channel, version=version, updated_at=now)
            )

    # ----- reading ------------------------------------------------------------------------------

    def get(self, name: str, version: str) -> AdapterVersion:
        with self._db.connect() as connection:
            row = (
                connection.execute(
                    adapter_versions.select().where(
                        (adapter_versions.c.name == name) & (adapter_versions.c.version == version)
                    )
                )
                .mappings()
                .first()
            )
        if row is None:
            raise NotFound(f"adapter {name!r} has no version {version!r}", param="version")
        return _version(row)

    def versions(self, name: str) -> list[AdapterVersion]:
        """Oldest first; NotFound for a name never registered."""
        with self._db.connect() as connection:
            rows = (
                connection.execute(
                    adapter_versions.select().where(adapter_versions.c.name == name).order_by(adapter_versions.c.seq)
                )
                .mappings()
                .all()
            )
        if not rows:
            raise NotFound(f"adapter {name!r} is not registered", param="name")
        return [_version(row) for row in rows]

    def channels(self, name: str) -> dict[str, str]:
        with self._db.connect() as connection:
            rows = connection.execute(
                sa.select(adapter_channels.c.channel, adapter_channels.c.version).where(adapter_channels.c.name == name)
            ).all()
        return {row.channel: row.version for row in rows}

    def current(self, name: str, channel: str = STABLE) -> AdapterVersion | None:
        """The version ``channel`` points at; None for an unregistered name or an unset channel."""
        version = self.channels(name).get(channel)
        return self.get(name, version) if version else None

    def list(self) -> list[AdapterSummary]:
        with self._db.connect() as connection:
            versions = (
                connection.execute(adapter_versions.select().order_by(adapter_versions.c.name, adapter_versions.c.seq))
                .mappings()
                .all()
            )
            pointers = connection.execute(adapter_channels.select()).mappings().all()
        by_name: dict[str, list[Any]] = {}
        for row in versions:
            by_name.setdefault(row["name"], []).append(row)
        channels: dict[str, dict[str, str]] = {}
        for row in pointers:
            channels.setdefault(row["name"], {})[row["channel"]] = row["version"]
        return [
            AdapterSummary(name, rows[-1]["base_model"], len(rows), rows[-1]["version"], channels.get(name, {}))
            for name, rows in by_name.items()
        ]

    def snapshot(self) -> dict[str, dict[str, str]]:
        """``{name: {channel: engine adapter name}}`` in one query: what a router caches."""
        with self._db.connect() as connection:
            rows = connection.execute(
                sa.select(adapter_channels.c.name, adapter_channels.c.channel, adapter_channels.c.version)
            ).all()
        result: dict[str, dict[str, str]] = {}
        for row in rows:
            result.setdefault(row.name, {})[row.channel] = engine_adapter_name(row.name, row.version)
        return result

    def engine_adapter(self, name: str, channel: str = STABLE) -> str:
        """The engine adapter name serving ``name`` on ``channel``; an unregistered name maps to itself
        (adapters found in a model's adapters directory keep working unversioned)."""
        return self.snapshot().get(name, {}).get(channel, name)

    def attachments(
        self, base_model: str, *, base_path: str | None = None, channels: tuple[str, ...] | None = None
    ) -> builtins.list[tuple[str, str]]:  # list: the method
        """``(engine name, path)`` of the versions an engine serving ``base_model`` should load at start.

        ``channels=None``: every registered version (LoRA adapters are small; a rollback then needs no
        load). A tuple of channels: only the versions those channels point at.
        """
        bases = {base_model} | ({base_path} if base_path else set())
        with self._db.connect() as connection:
            rows = (
                connection.execute(
                    adapter_versions.select()
                    .where(adapter_versions.c.base_model.in_(bases))
                    .order_by(adapter_versions.c.name, adapter_versions.c.seq)
                )
                .mappings()
                .all()
            )
            pointed = {
                (r.name, r.version)
                for r in connection.execute(
                    sa.select(adapter_channels.c.name, adapter_channels.c.version).where(
                        adapter_channels.c.channel.in_(channels or ())
                    )
                )
            }
        return [
            (engine_adapter_name(r["name"], r["version"]), r["path"])
            for r in rows
            if channels is None or (r["name"], r["version"]) in pointed
        ]


def _version(row: Any) -> AdapterVersion:
    return AdapterVersion(
        name=row["name"],
        version=row["version"],
        seq=row["seq"],
        path=row["path"],
        base_model=row["base_model"],
        manifest_sha256=row["manifest_sha256"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        details=row["details"] or {},
    )
