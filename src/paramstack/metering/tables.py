"""The usage ledger (schema owned by migration 0003_usage): one row per call, keyed by request id.

The primary key makes writes idempotent (a retried write inserts nothing twice); money is integer
micro-units with the prices used; ``usage_day`` is the UTC day of the quota the call was admitted under
(the limiter store's clock), so the bill and the quota agree on which day a call belongs to.
"""

from __future__ import annotations

import sqlalchemy as sa

from paramstack.storage.database import METADATA
from paramstack.storage.types import UtcDateTime

usage_ledger = sa.Table(
    "usage_ledger",
    METADATA,
    sa.Column("request_id", sa.String(128), primary_key=True),
    sa.Column("org_id", sa.String(64), nullable=False),
    sa.Column("key_id", sa.String(32), nullable=False),
    sa.Column("model", sa.String(200), nullable=False),
    sa.Column("adapter", sa.String(200), nullable=True),
    sa.Column("usage_day", sa.Date, nullable=False),
    sa.Column("admitted_at", UtcDateTime(), nullable=False),
    sa.Column("settled_at", UtcDateTime(), nullable=False),
    sa.Column("prompt_tokens", sa.BigInteger, nullable=False),
    sa.Column("completion_tokens", sa.BigInteger, nullable=False),
    sa.Column("cost_micros", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("input_per_1k_micros", sa.BigInteger, nullable=False),
    sa.Column("output_per_1k_micros", sa.BigInteger, nullable=False),
    sa.Column("delivered", sa.Boolean, nullable=False),
    sa.CheckConstraint("prompt_tokens >= 0 AND completion_tokens >= 0 AND cost_micros >= 0", name="non_negative"),
    sa.Index("ix_usage_ledger_org_id_usage_day", "org_id", "usage_day"),
    sa.Index("ix_usage_ledger_usage_day", "usage_day"),
)
