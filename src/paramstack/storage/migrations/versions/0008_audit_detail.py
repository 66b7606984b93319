"""Audit entries carry a ``detail``: the outcome's code and the tools the model called (ids and names only).

Revision ID: 0008_audit_detail
Revises: 0007_tenant_rag_by_default
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_audit_detail"
down_revision = "0007_tenant_rag_by_default"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: entries written before this revision keep their hashes (a NULL detail is not hashed).
    op.add_column("audit_entries", sa.Column("detail", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_entries") as batch:
        batch.drop_column("detail")
