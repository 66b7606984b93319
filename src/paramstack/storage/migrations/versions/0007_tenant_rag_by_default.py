"""Tenants may have their RAG collection used on every request (``rag_by_default``).

Revision ID: 0007_tenant_rag_by_default
Revises: 0006_canary
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_tenant_rag_by_default"
down_revision = "0006_canary"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tenants", sa.Column("rag_by_default", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("rag_by_default")
