"""Canary rollouts and their decision history (schema owned by migration 0006_canary).

One row per rollout in ``canary_rollouts``; the gateway replicas read the running ones to split traffic and
the controller writes them. ``canary_events`` is the rollout's own history (the audit log holds the
tamper-evident copy of every decision).
"""

from __future__ import annotations

import sqlalchemy as sa

from paramstack.storage.database import METADATA
from paramstack.storage.types import UtcDateTime

canary_rollouts = sa.Table(
    "canary_rollouts",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("org_id", sa.String(64), nullable=False),
    sa.Column("adapter", sa.String(128), nullable=False),
    sa.Column("stable_version", sa.String(64), nullable=False),
    sa.Column("canary_version", sa.String(64), nullable=False),
    sa.Column("weight", sa.Integer, nullable=False),  # percent of end users on the canary, 0..100
    sa.Column("status", sa.String(16), nullable=False),  # running, promoted, rolled_back
    sa.Column("mode", sa.String(16), nullable=False),  # gateway (this gateway splits) or kserve
    sa.Column("step_index", sa.Integer, nullable=False),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("policy", sa.JSON, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.CheckConstraint("weight >= 0 AND weight <= 100", name="weight_percent"),
    sa.Index("ix_canary_rollouts_org_id_adapter", "org_id", "adapter"),
    sa.Index("ix_canary_rollouts_status", "status"),
)

canary_events = sa.Table(
    "canary_events",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("rollout_id", sa.Integer, sa.ForeignKey("canary_rollouts.id"), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),  # start, step, hold, fail, promote, rollback
    sa.Column("weight", sa.Integer, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("observed", sa.JSON, nullable=True),  # the metrics the decision was made on
    sa.Index("ix_canary_events_rollout_id", "rollout_id"),
)
