"""The audit log's tables on the shared METADATA (created by migration ``0002_audit``).

``audit_entries`` is the hash chain itself; ``audit_head`` is a single row (id 1) holding the chain's
last sequence number and hash: every append locks it (an UPDATE first thing in the transaction: a row
lock in PostgreSQL, the write lock in SQLite), which serialises appends from any number of processes,
and lets verification notice a truncated tail. ``audit_checkpoints`` are signed snapshots of the head.
Times are integer microseconds since the epoch: exact and identical on both databases, as hashing needs.
"""

from __future__ import annotations

import sqlalchemy as sa

from paramstack.storage.database import METADATA

HEAD_ID = 1

audit_entries = sa.Table(
    "audit_entries",
    METADATA,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("ts_us", sa.BigInteger, nullable=False),
    sa.Column("request_id", sa.String(128), nullable=False),
    sa.Column("org_id", sa.String(64), nullable=False),
    sa.Column("api_key_id", sa.String(32), nullable=True),
    sa.Column("model", sa.String(200), nullable=False),
    sa.Column("adapter", sa.String(200), nullable=True),
    sa.Column("prompt_tokens", sa.BigInteger, nullable=False),
    sa.Column("completion_tokens", sa.BigInteger, nullable=False),
    sa.Column("cost_micros", sa.BigInteger, nullable=False),
    sa.Column("guard", sa.Text, nullable=False),  # canonical JSON of finding counts, hashed as stored
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("http_status", sa.Integer, nullable=False),
    sa.Column("latency_ms", sa.BigInteger, nullable=False),
    sa.Column("attestation_sha256", sa.String(64), nullable=True),
    # canonical JSON {"code": ..., "tools": [...]} (migration 0008); hashed when present
    sa.Column("detail", sa.Text, nullable=True),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("entry_hash", sa.String(64), nullable=False),
    sa.Index("ix_audit_entries_org_id_ts_us", "org_id", "ts_us"),
    sa.Index("ix_audit_entries_ts_us", "ts_us"),
    sa.Index("ix_audit_entries_entry_hash", "entry_hash"),
)

audit_head = sa.Table(
    "audit_head",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("entry_hash", sa.String(64), nullable=False),
    sa.Column("checkpoint_seq", sa.BigInteger, nullable=False),
    sa.Column("checkpoint_ts_us", sa.BigInteger, nullable=False),
)

audit_checkpoints = sa.Table(
    "audit_checkpoints",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("entry_hash", sa.String(64), nullable=False),
    sa.Column("ts_us", sa.BigInteger, nullable=False),
    sa.Column("kid", sa.String(32), nullable=False),
    sa.Column("signature", sa.String(128), nullable=False),
    sa.Column("tsa_token", sa.LargeBinary, nullable=True),  # RFC 3161 token over the signed checkpoint
    sa.Index("ix_audit_checkpoints_seq", "seq"),
)
