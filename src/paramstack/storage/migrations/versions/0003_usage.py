"""The usage ledger: one row per call (tokens, cost in micro-units, prices used), keyed by request id.

Revision ID: 0003_usage
Revises: 0002_audit
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_usage"
down_revision = "0002_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usage_ledger",
        sa.Column("request_id", sa.String(128), nullable=False),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("adapter", sa.String(200), nullable=True),
        sa.Column("usage_day", sa.Date, nullable=False),
        sa.Column("admitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prompt_tokens", sa.BigInteger, nullable=False),
        sa.Column("completion_tokens", sa.BigInteger, nullable=False),
        sa.Column("cost_micros", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("input_per_1k_micros", sa.BigInteger, nullable=False),
        sa.Column("output_per_1k_micros", sa.BigInteger, nullable=False),
        sa.Column("delivered", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("request_id", name="pk_usage_ledger"),
        sa.CheckConstraint(
            "prompt_tokens >= 0 AND completion_tokens >= 0 AND cost_micros >= 0", name="ck_usage_ledger_non_negative"
        ),
    )
    op.create_index("ix_usage_ledger_org_id_usage_day", "usage_ledger", ["org_id", "usage_day"])
    op.create_index("ix_usage_ledger_usage_day", "usage_ledger", ["usage_day"])


def downgrade() -> None:
    op.drop_index("ix_usage_ledger_usage_day", table_name="usage_ledger")
    op.drop_index("ix_usage_ledger_org_id_usage_day", table_name="usage_ledger")
    op.drop_table("usage_ledger")
