"""RAG collections, documents and chunks, with a keyword index (SQLite FTS5 or PostgreSQL full text).

Revision ID: 0004_rag
Revises: 0003_usage
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_rag"
down_revision = "0003_usage"
branch_labels = None
depends_on = None

# FTS5 over the chunks' analysed terms (rag/analyzer.py), kept in step with rag_chunks by triggers.
SQLITE_KEYWORD_INDEX = (
    "CREATE VIRTUAL TABLE rag_chunks_fts USING fts5(terms, content='rag_chunks', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER rag_chunks_fts_insert AFTER INSERT ON rag_chunks BEGIN "
    "INSERT INTO rag_chunks_fts(rowid, terms) VALUES (new.id, new.terms); END",
    "CREATE TRIGGER rag_chunks_fts_delete AFTER DELETE ON rag_chunks BEGIN "
    "INSERT INTO rag_chunks_fts(rag_chunks_fts, rowid, terms) VALUES ('delete', old.id, old.terms); END",
    "CREATE TRIGGER rag_chunks_fts_update AFTER UPDATE OF terms ON rag_chunks BEGIN "
    "INSERT INTO rag_chunks_fts(rag_chunks_fts, rowid, terms) VALUES ('delete', old.id, old.terms); "
    "INSERT INTO rag_chunks_fts(rowid, terms) VALUES (new.id, new.terms); END",
)
POSTGRES_KEYWORD_INDEX = (
    "ALTER TABLE rag_chunks ADD COLUMN terms_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', terms)) STORED",
    "CREATE INDEX ix_rag_chunks_terms_tsv ON rag_chunks USING gin (terms_tsv)",
)


def upgrade() -> None:
    op.create_table(
        "rag_collections",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("embedder", sa.String(200), nullable=False),
        sa.Column("dims", sa.Integer, nullable=False),
        sa.Column("generation", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rag_collections"),
        sa.UniqueConstraint("org_id", "name", name="uq_rag_collections_org_id_name"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "rag_documents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("collection_id", sa.Integer, nullable=False),
        sa.Column("document", sa.String(512), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("media_type", sa.String(16), nullable=False),
        sa.Column("title", sa.String(500), nullable=False, server_default=""),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("chunk_count", sa.Integer, nullable=False),
        sa.Column("meta", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rag_documents"),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["rag_collections.id"],
            ondelete="CASCADE",
            name="fk_rag_documents_collection_id_rag_collections",
        ),
        sa.UniqueConstraint("collection_id", "document", name="uq_rag_documents_collection_id_document"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "rag_chunks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("collection_id", sa.Integer, nullable=False),
        sa.Column("document_id", sa.Integer, nullable=False),
        sa.Column("chunk", sa.Integer, nullable=False),
        sa.Column("heading", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("terms", sa.Text, nullable=False),
        sa.Column("embedding", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rag_chunks"),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["rag_collections.id"],
            ondelete="CASCADE",
            name="fk_rag_chunks_collection_id_rag_collections",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["rag_documents.id"], ondelete="CASCADE", name="fk_rag_chunks_document_id_rag_documents"
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_rag_chunks_collection_id_id", "rag_chunks", ["collection_id", "id"])
    op.create_index("ix_rag_chunks_document_id", "rag_chunks", ["document_id"])
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_KEYWORD_INDEX if dialect == "sqlite" else POSTGRES_KEYWORD_INDEX:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("rag_chunks_fts_update", "rag_chunks_fts_delete", "rag_chunks_fts_insert"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS rag_chunks_fts")
    op.drop_index("ix_rag_chunks_document_id", table_name="rag_chunks")
    op.drop_index("ix_rag_chunks_collection_id_id", table_name="rag_chunks")
    op.drop_table("rag_chunks")
    op.drop_table("rag_documents")
    op.drop_table("rag_collections")
