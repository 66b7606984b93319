"""The stored responses table (schema owned by migration 0010_stored_responses).

One row per stored response: the Responses-API object as it was returned (its text already masked by
the tenant's guard policy) and ``context``, the whole conversation it ends (guarded input turns and its
own output, instructions excluded as OpenAI does), so ``previous_response_id`` reads one row.
"""

from __future__ import annotations

import sqlalchemy as sa

from paramstack.storage.database import METADATA
from paramstack.storage.types import UtcDateTime

stored_responses = sa.Table(
    "stored_responses",
    METADATA,
    sa.Column("id", sa.String(80), primary_key=True),
    sa.Column("org_id", sa.String(64), nullable=False),
    sa.Column("response", sa.JSON, nullable=False),
    sa.Column("context", sa.JSON, nullable=False),
    sa.Column("input_items", sa.JSON, nullable=False),  # this request's own input, as GET .../input_items lists it
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=True),
    sa.Index("ix_stored_responses_org_id", "org_id"),
    sa.Index("ix_stored_responses_expires_at", "expires_at"),
)
