"""Alembic environment of a pgvector store database (its own chain, its own version table in its schema).

The store may share the main PostgreSQL database or live in another one; either way its tables sit in
the ``paramstack_rag`` schema, so they never meet the main chain's tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

SCHEMA = "paramstack_rag"
MIGRATION_LOCK = 7_346_112_001  # pg_advisory_xact_lock key: one migrating process at a time

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS vector"))
    connection.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
    context.configure(connection=connection, version_table="rag_alembic_version", version_table_schema=SCHEMA)
    with context.begin_transaction():
        context.run_migrations()
