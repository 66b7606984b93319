"""The RAG tables: collections (owned by a tenant), documents, chunks (text, keyword terms, embedding).

One definition, two homes: the main database (migration 0004_rag; embeddings as float32 bytes, searched
by the in-process HNSW) and a pgvector database (its own migrations; embeddings as ``vector``).
The keyword index is not declared here: it is dialect-specific (FTS5 / tsvector) and lives in the
migrations and in ``stores/keyword.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from paramstack.storage.database import METADATA
from paramstack.storage.types import UtcDateTime

# Chunk ids must never be reused: the in-process HNSW caches vectors by id (SQLite AUTOINCREMENT, PG identity).
ChunkId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


@dataclass(frozen=True)
class RagTables:
    collections: sa.Table
    documents: sa.Table
    chunks: sa.Table

    @property
    def chunks_name(self) -> str:
        return self.chunks.fullname


def rag_tables(metadata: sa.MetaData, embedding_type: sa.types.TypeEngine[Any], schema: str | None = None) -> RagTables:
    prefix = f"{schema}." if schema else ""
    collections = sa.Table(
        "rag_collections",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("embedder", sa.String(200), nullable=False),
        sa.Column("dims", sa.Integer, nullable=False),
        # Bumped by every write, so a process caching an index sees that it is stale with one cheap read.
        sa.Column("generation", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("org_id", "name", name="uq_rag_collections_org_id_name"),
        schema=schema,
        sqlite_autoincrement=True,
    )
    documents = sa.Table(
        "rag_documents",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "collection_id",
            sa.Integer,
            sa.ForeignKey(f"{prefix}rag_collections.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("document", sa.String(512), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("media_type", sa.String(16), nullable=False),
        sa.Column("title", sa.String(500), nullable=False, server_default=""),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("chunk_count", sa.Integer, nullable=False),
        sa.Column("meta", sa.JSON, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("collection_id", "document", name="uq_rag_documents_collection_id_document"),
        schema=schema,
        sqlite_autoincrement=True,
    )
    chunks = sa.Table(
        "rag_chunks",
        metadata,
        sa.Column("id", ChunkId, primary_key=True, autoincrement=True),
        sa.Column(
            "collection_id",
            sa.Integer,
            sa.ForeignKey(f"{prefix}rag_collections.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "document_id", sa.Integer, sa.ForeignKey(f"{prefix}rag_documents.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("chunk", sa.Integer, nullable=False),
        sa.Column("heading", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("terms", sa.Text, nullable=False),
        sa.Column("embedding", embedding_type, nullable=False),
        sa.Index("ix_rag_chunks_collection_id_id", "collection_id", "id"),
        sa.Index("ix_rag_chunks_document_id", "document_id"),
        schema=schema,
        sqlite_autoincrement=True,
    )
    return RagTables(collections, documents, chunks)


# The main database's tables (imported through storage.tables.TABLE_MODULES).
MAIN_TABLES = rag_tables(METADATA, sa.LargeBinary())
