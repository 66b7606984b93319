"""Canary rollouts of adapter versions and their decision history.

Revision ID: 0006_canary
Revises: 0005_registry
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_canary"
down_revision = "0005_registry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "canary_rollouts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("adapter", sa.String(128), nullable=False),
        sa.Column("stable_version", sa.String(64), nullable=False),
        sa.Column("canary_version", sa.String(64), nullable=False),
        sa.Column("weight", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("step_index", sa.Integer, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("policy", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("weight >= 0 AND weight <= 100", name="ck_canary_rollouts_weight_percent"),
    )
    op.create_index("ix_canary_rollouts_org_id_adapter", "canary_rollouts", ["org_id", "adapter"])
    op.create_index("ix_canary_rollouts_status", "canary_rollouts", ["status"])
    op.create_table(
        "canary_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "rollout_id",
            sa.Integer,
            sa.ForeignKey("canary_rollouts.id", name="fk_canary_events_rollout_id_canary_rollouts"),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("weight", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("observed", sa.JSON, nullable=True),
    )
    op.create_index("ix_canary_events_rollout_id", "canary_events", ["rollout_id"])


def downgrade() -> None:
    op.drop_index("ix_canary_events_rollout_id", table_name="canary_events")
    op.drop_table("canary_events")
    op.drop_index("ix_canary_rollouts_status", table_name="canary_rollouts")
    op.drop_index("ix_canary_rollouts_org_id_adapter", table_name="canary_rollouts")
    op.drop_table("canary_rollouts")
