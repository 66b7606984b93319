"""The adapter registry's tables (schema owned by migration 0005_registry).

``adapter_versions``: every registered version of every adapter, immutable once written.
``adapter_channels``: per adapter name, named pointers to one version; ``stable`` is what tenants get.
The canary rollout moves ``stable`` (promote) or leaves it (rollback); other channels are free to add.
"""

from __future__ import annotations

import sqlalchemy as sa

from paramstack.storage.database import METADATA
from paramstack.storage.types import UtcDateTime

adapter_versions = sa.Table(
    "adapter_versions",
    METADATA,
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("version", sa.String(64), primary_key=True),
    sa.Column("seq", sa.Integer, nullable=False),  # 1, 2, 3... per name: registration order
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("base_model", sa.String(200), nullable=False),
    sa.Column("manifest_sha256", sa.String(64), nullable=True),
    sa.Column("details", sa.JSON, nullable=False),  # e.g. the training report's figures, eval win-rate
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False, server_default=""),
    sa.UniqueConstraint("name", "seq", name="uq_adapter_versions_name_seq"),
    sa.Index("ix_adapter_versions_base_model", "base_model"),
)

adapter_channels = sa.Table(
    "adapter_channels",
    METADATA,
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("channel", sa.String(32), primary_key=True),
    sa.Column("version", sa.String(64), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(
        ["name", "version"],
        ["adapter_versions.name", "adapter_versions.version"],
        name="fk_adapter_channels_version_adapter_versions",
    ),
)
