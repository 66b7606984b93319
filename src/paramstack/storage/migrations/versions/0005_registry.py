"""The adapter registry (versions, channel pointers) and the labelling page's pairs and labels.

Revision ID: 0005_registry
Revises: 0004_rag
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_registry"
down_revision = "0004_rag"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "adapter_versions",
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("base_model", sa.String(200), nullable=False),
        sa.Column("manifest_sha256", sa.String(64), nullable=True),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("name", "version", name="pk_adapter_versions"),
        sa.UniqueConstraint("name", "seq", name="uq_adapter_versions_name_seq"),
    )
    op.create_index("ix_adapter_versions_base_model", "adapter_versions", ["base_model"])
    op.create_table(
        "adapter_channels",
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", "channel", name="pk_adapter_channels"),
        sa.ForeignKeyConstraint(
            ["name", "version"],
            ["adapter_versions.name", "adapter_versions.version"],
            name="fk_adapter_channels_version_adapter_versions",
        ),
    )
    op.create_table(
        "preference_pairs",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("dataset", sa.String(128), nullable=False),
        sa.Column("prompt_id", sa.String(128), nullable=False),
        sa.Column("prompt", sa.Text, nullable=False),
        sa.Column("chosen", sa.Text, nullable=False),
        sa.Column("rejected", sa.Text, nullable=False),
        sa.Column("chosen_score", sa.Float, nullable=False),
        sa.Column("rejected_score", sa.Float, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_preference_pairs"),
        sa.UniqueConstraint("dataset", "prompt_id", name="uq_preference_pairs_dataset_prompt_id"),
    )
    op.create_table(
        "preference_labels",
        sa.Column("pair_id", sa.Integer, nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("chosen", sa.Text, nullable=True),
        sa.Column("rejected", sa.Text, nullable=True),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("labeller", sa.String(64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pair_id", name="pk_preference_labels"),
        sa.ForeignKeyConstraint(
            ["pair_id"], ["preference_pairs.id"], name="fk_preference_labels_pair_id_preference_pairs"
        ),
    )


def downgrade() -> None:
    op.drop_table("preference_labels")
    op.drop_table("preference_pairs")
    op.drop_table("adapter_channels")
    op.drop_index("ix_adapter_versions_base_model", table_name="adapter_versions")
    op.drop_table("adapter_versions")
