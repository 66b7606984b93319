"""Migration 0002_audit creates exactly the tables attest/tables.py declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from paramstack.attest import tables
from paramstack.storage.database import METADATA


def test_migrated_schema_matches_the_declared_tables(engine):
    ours = {t.name for t in (tables.audit_entries, tables.audit_head, tables.audit_checkpoints)}
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), METADATA)

    def table_of(diff) -> str | None:
        item = diff[0] if isinstance(diff, list) else diff
        for part in item[1:]:
            name = getattr(part, "name", None) if not isinstance(part, str) else None
            table = getattr(part, "table", None)
            if table is not None and getattr(table, "name", None) in ours:
                return table.name
            if name in ours:
                return name
            if isinstance(part, str) and part in ours:
                return part
        return None

    assert [d for d in diffs if table_of(d)] == []
    with engine.connect() as conn:
        head = conn.execute(tables.audit_head.select()).mappings().one()
    assert head["seq"] == 0 and head["entry_hash"] == "0" * 64
