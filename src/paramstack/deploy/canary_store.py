"""Canary rollouts in the relational store: written by the controller, read by every gateway replica.

At most one running rollout per (tenant, adapter). Weights are percentages of end users, 0..100, checked
here as well as in the database (a percentage outside that range is a clear 400, never a stored value).
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from paramstack.deploy.canary_tables import canary_events, canary_rollouts
from paramstack.engine.canary import ActiveRollout
from paramstack.errors import Conflict, InvalidRequest, NotFound
from paramstack.registry.tables import adapter_versions

RUNNING, PROMOTED, ROLLED_BACK = "running", "promoted", "rolled_back"


@dataclass(frozen=True)
class Rollout:
    id: int
    org_id: str
    adapter: str
    stable_version: str
    canary_version: str
    weight: int
    status: str
    mode: str
    step_index: int
    failures: int
    policy: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["created_at"], data["updated_at"] = self.created_at.isoformat(), self.updated_at.isoformat()
        return data


def check_weight(weight: int) -> int:
    if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= 100:
        raise InvalidRequest(f"canary weight {weight!r} is outside 0..100 (percent of end users)", param="weight")
    return weight


class CanaryStore:
    def __init__(self, database: Engine) -> None:
        self._db = database

    def create(
        self,
        org_id: str,
        adapter: str,
        stable_version: str,
        canary_version: str,
        *,
        weight: int,
        mode: str,
        policy: dict[str, Any],
    ) -> Rollout:
        check_weight(weight)
        if stable_version == canary_version:
            raise InvalidRequest(
                f"version {canary_version!r} is already the stable version of {adapter!r}", param="version"
            )
        now = datetime.now(UTC)
        with self._db.begin() as connection:
            running = connection.execute(
                sa.select(canary_rollouts.c.id).where(
                    (canary_rollouts.c.org_id == org_id)
                    & (canary_rollouts.c.adapter == adapter)
                    & (canary_rollouts.c.status == RUNNING)
                )
            ).first()
            if running is not None:
                raise Conflict(
                    f"rollout {running.id} of {adapter!r} for {org_id!r} is still running: promote or "
                    "roll it back first",
                    param="adapter",
                )
            result = connection.execute(
                canary_rollouts.insert().values(
                    org_id=org_id,
                    adapter=adapter,
                    stable_version=stable_version,
                    canary_version=canary_version,
                    weight=weight,
                    status=RUNNING,
                    mode=mode,
                    step_index=0,
                    failures=0,
                    policy=policy,
                    created_at=now,
                    updated_at=now,
                )
            )
            inserted = result.inserted_primary_key
            assert inserted is not None  # an INSERT of one row always has its key
            rollout_id = int(inserted[0])
        return self.get(rollout_id)

    def get(self, rollout_id: int) -> Rollout:
        with self._db.connect() as connection:
            row = (
                connection.execute(canary_rollouts.select().where(canary_rollouts.c.id == rollout_id))
                .mappings()
                .first()
            )
        if row is None:
            raise NotFound(f"canary rollout {rollout_id} does not exist", param="rollout")
        return Rollout(**dict(row))

    def latest(self, org_id: str, adapter: str) -> Rollout | None:
        with self._db.connect() as connection:
            row = (
                connection.execute(
                    canary_rollouts.select()
                    .where((canary_rollouts.c.org_id == org_id) & (canary_rollouts.c.adapter == adapter))
                    .order_by(canary_rollouts.c.id.desc())
                    .limit(1)
                )
                .mappings()
                .first()
            )
        return Rollout(**dict(row)) if row else None

    def list(self, *, status: str | None = None) -> builtins.list[Rollout]:
        query = canary_rollouts.select().order_by(canary_rollouts.c.id)
        if status is not None:
            query = query.where(canary_rollouts.c.status == status)
        with self._db.connect() as connection:
            return [Rollout(**dict(row)) for row in connection.execute(query).mappings()]

    def running(self) -> builtins.list[ActiveRollout]:
        """What the gateway's split reads (``RolloutSource``): one small query."""
        stable_path, canary_path = adapter_versions.alias("stable_v"), adapter_versions.alias("canary_v")
        query = (
            sa.select(canary_rollouts, stable_path.c.path.label("stable_path"), canary_path.c.path.label("canary_path"))
            .select_from(
                canary_rollouts.outerjoin(
                    stable_path,
                    (stable_path.c.name == canary_rollouts.c.adapter)
                    & (stable_path.c.version == canary_rollouts.c.stable_version),
                ).outerjoin(
                    canary_path,
                    (canary_path.c.name == canary_rollouts.c.adapter)
                    & (canary_path.c.version == canary_rollouts.c.canary_version),
                )
            )
            .where(canary_rollouts.c.status == RUNNING)
        )
        with self._db.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [
            ActiveRollout(
                rollout_id=r["id"],
                org_id=r["org_id"],
                adapter=r["adapter"],
                stable_version=r["stable_version"],
                canary_version=r["canary_version"],
                weight=r["weight"],
                mode=r["mode"],
                stable_path=r["stable_path"],
                canary_path=r["canary_path"],
            )
            for r in rows
        ]

    def update(self, rollout_id: int, **changes: Any) -> Rollout:
        if "weight" in changes:
            check_weight(changes["weight"])
        with self._db.begin() as connection:
            connection.execute(
                canary_rollouts.update()
                .where(canary_rollouts.c.id == rollout_id)
                .values(**changes, updated_at=datetime.now(UTC))
            )
        return self.get(rollout_id)

    def add_event(
        self, rollout_id: int, action: str, weight: int, reason: str, observed: dict[str, Any] | None = None
    ) -> None:
        with self._db.begin() as connection:
            connection.execute(
                canary_events.insert().values(
                    rollout_id=rollout_id,
                    at=datetime.now(UTC),
                    action=action,
                    weight=weight,
                    reason=reason,
                    observed=observed,
                )
            )

    def events(self, rollout_id: int) -> builtins.list[dict[str, Any]]:
        with self._db.connect() as connection:
            rows = (
                connection.execute(
                    canary_events.select().where(canary_events.c.rollout_id == rollout_id).order_by(canary_events.c.id)
                )
                .mappings()
                .all()
            )
        return [{**dict(r), "at": r["at"].isoformat()} for r in rows]
