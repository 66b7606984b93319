"""The pgvector store: collections, documents, chunks with a ``vector`` column and full-text terms.

Revision ID: 0001_pgvector_store
Revises:

The HNSW indexes are per dimension (an expression index on ``embedding::vector(n)``), made when the first
collection of that dimension is created (``stores/pgvector.py``): the dimension is the embedding
model's, which a migration cannot know.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import VECTOR

revision = "0001_pgvector_store"
down_revision = None
branch_labels = None
depends_on = None
SCHEMA = "paramstack_rag"


def upgrade() -> None:
    op.create_table(
        "rag_collections",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("embedder", sa.String(200), nullable=False),
        sa.Column("dims", sa.Integer, nullable=False),
        sa.Column("generation", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("org_id", "name", name="uq_rag_collections_org_id_name"),
        schema=SCHEMA,
    )
    op.create_table(
        "rag_documents",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column(
            "collection_id",
            sa.Integer,
            sa.ForeignKey(f"{SCHEMA}.rag_collections.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("document", sa.String(512), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("media_type", sa.String(16), nullable=False),
        sa.Column("title", sa.String(500), nullable=False, server_default=""),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("chunk_count", sa.Integer, nullable=False),
        sa.Column("meta", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("collection_id", "document", name="uq_rag_documents_collection_id_document"),
        schema=SCHEMA,
    )
    op.create_table(
        "rag_chunks",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column(
            "collection_id",
            sa.Integer,
            sa.ForeignKey(f"{SCHEMA}.rag_collections.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "document_id", sa.Integer, sa.ForeignKey(f"{SCHEMA}.rag_documents.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("chunk", sa.Integer, nullable=False),
        sa.Column("heading", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("terms", sa.Text, nullable=False),
        sa.Column("embedding", VECTOR(), nullable=False),
        sa.Column(
            "terms_tsv", sa.dialects.postgresql.TSVECTOR, sa.Computed("to_tsvector('simple', terms)", persisted=True)
        ),
        schema=SCHEMA,
    )
    op.create_index("ix_rag_chunks_collection_id_id", "rag_chunks", ["collection_id", "id"], schema=SCHEMA)
    op.create_index("ix_rag_chunks_document_id", "rag_chunks", ["document_id"], schema=SCHEMA)
    op.create_index("ix_rag_chunks_terms_tsv", "rag_chunks", ["terms_tsv"], schema=SCHEMA, postgresql_using="gin")


def downgrade() -> None:
    op.drop_table("rag_chunks", schema=SCHEMA)
    op.drop_table("rag_documents", schema=SCHEMA)
    op.drop_table("rag_collections", schema=SCHEMA)
