"""Stored Responses-API responses per tenant (``store``, ``previous_response_id``, GET/DELETE /v1/responses).

Revision ID: 0010_stored_responses
Revises: 0009_console_sessions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_stored_responses"
down_revision = "0009_console_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stored_responses",
        sa.Column("id", sa.String(80), nullable=False),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("response", sa.JSON, nullable=False),
        sa.Column("context", sa.JSON, nullable=False),
        sa.Column("input_items", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_stored_responses"),
    )
    op.create_index("ix_stored_responses_org_id", "stored_responses", ["org_id"])
    op.create_index("ix_stored_responses_expires_at", "stored_responses", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_stored_responses_expires_at", table_name="stored_responses")
    op.drop_index("ix_stored_responses_org_id", table_name="stored_responses")
    op.drop_table("stored_responses")
