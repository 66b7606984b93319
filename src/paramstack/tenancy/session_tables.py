"""Console sign-ins (schema owned by migration 0009_console_sessions).

A row per signed-in browser: the SHA-256 of the session cookie (the cookie itself is never stored), the key
that signed in, and when the session ends. Kept in the database so that every replica honours a sign-out and
a revoked key ends its sessions at once.
"""

from __future__ import annotations

import sqlalchemy as sa

from paramstack.storage.database import METADATA
from paramstack.storage.types import UtcDateTime

console_sessions = sa.Table(
    "console_sessions",
    METADATA,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("key_id", sa.String(32), sa.ForeignKey("api_keys.key_id"), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Index("ix_console_sessions_key_id", "key_id"),
    sa.Index("ix_console_sessions_expires_at", "expires_at"),
)
