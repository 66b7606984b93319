"""What both SQL stores share: tenant-scoped collections and documents, atomic replace, keyword search.

Subclasses add the vector side: how an embedding is written (``_embedding_value``) and searched.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from paramstack.errors import Conflict, InvalidRequest, NotFound
from paramstack.rag.models import Candidate, ChunkRecord, CollectionInfo, DocumentInfo, DocumentRecord, StoredChunk
from paramstack.rag.stores.keyword import keyword_candidates, scoped_terms
from paramstack.rag.stores.protocol import ReplaceStatus
from paramstack.rag.tables import RagTables

INSERT_BATCH = 1000


class SqlStore:
    backend = "sql"

    def __init__(self, engine: Engine, tables: RagTables) -> None:
        self.engine = engine
        self.tables = tables

    # ----- collections ---------------------------------------------------------------------------------

    def collection(self, org_id: str, name: str) -> CollectionInfo:
        with self.engine.connect() as conn:
            found = self._collection_row(conn, org_id, name)
        if found is None:
            raise NotFound(f"collection {name!r} does not exist", param="collection", code="collection_not_found")
        return found

    def list_collections(self, org_id: str) -> list[CollectionInfo]:
        c, d, k = self.tables.collections, self.tables.documents, self.tables.chunks
        documents = sa.select(sa.func.count()).where(d.c.collection_id == c.c.id).scalar_subquery()
        chunks = sa.select(sa.func.count()).where(k.c.collection_id == c.c.id).scalar_subquery()
        query = (
            sa.select(c.c.id, c.c.org_id, c.c.name, c.c.embedder, c.c.dims, documents, chunks)
            .where(c.c.org_id == org_id)
            .order_by(c.c.name)
        )
        with self.engine.connect() as conn:
            return [CollectionInfo(*row) for row in conn.execute(query)]

    def delete_collection(self, org_id: str, name: str) -> None:
        collection = self.collection(org_id, name)
        c, d, k = self.tables.collections, self.tables.documents, self.tables.chunks
        with self.engine.begin() as conn:
            # Children first and explicitly: SQLite enforces ON DELETE CASCADE only with its pragma on.
            conn.execute(sa.delete(k).where(k.c.collection_id == collection.id))
            conn.execute(sa.delete(d).where(d.c.collection_id == collection.id))
            conn.execute(sa.delete(c).where(c.c.id == collection.id))
        self._collection_deleted(collection)

    # ----- documents -----------------------------------------------------------------------------------

    def document_sha256(self, org_id: str, name: str, document: str) -> str | None:
        c, d = self.tables.collections, self.tables.documents
        query = (
            sa.select(d.c.sha256)
            .join(c, c.c.id == d.c.collection_id)
            .where(c.c.org_id == org_id, c.c.name == name, d.c.document == document)
        )
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one_or_none()

    def replace_document(
        self, org_id: str, name: str, embedder: str, document: DocumentRecord, chunks: list[ChunkRecord]
    ) -> ReplaceStatus:
        if not chunks:
            raise InvalidRequest("the document has no text to index", param="document", code="empty_document")
        dims = int(chunks[0].embedding.shape[0])
        if any(chunk.embedding.shape != (dims,) for chunk in chunks):
            raise InvalidRequest("the chunks' embeddings differ in dimension", code="embedding_model_mismatch")
        created = self._ensure_collection(org_id, name, embedder, dims)
        try:
            return self._replace(org_id, name, embedder, dims, document, chunks)
        except BaseException:
            if created:
                self._drop_if_empty(org_id, name)
            raise

    def list_documents(self, org_id: str, name: str) -> list[DocumentInfo]:
        collection = self.collection(org_id, name)
        d = self.tables.documents
        query = (
            sa.select(
                d.c.document,
                d.c.sha256,
                d.c.media_type,
                d.c.title,
                d.c.size_bytes,
                d.c.chunk_count,
                d.c.meta,
                d.c.created_at,
                d.c.updated_at,
            )
            .where(d.c.collection_id == collection.id)
            .order_by(d.c.document)
        )
        with self.engine.connect() as conn:
            return [DocumentInfo(*row) for row in conn.execute(query)]

    def delete_document(self, org_id: str, name: str, document: str) -> None:
        collection = self.collection(org_id, name)
        d, k = self.tables.documents, self.tables.chunks
        with self.engine.begin() as conn:
            self._bump_generation(conn, collection.id)
            document_id = conn.execute(
                sa.select(d.c.id).where(d.c.collection_id == collection.id, d.c.document == document)
            ).scalar_one_or_none()
            if document_id is None:
                raise NotFound(
                    f"document {document!r} is not in collection {name!r}", param="document", code="document_not_found"
                )
            conn.execute(sa.delete(k).where(k.c.document_id == document_id))
            conn.execute(sa.delete(d).where(d.c.id == document_id))

    # ----- search --------------------------------------------------------------------------------------

    def keyword_search(self, collection: CollectionInfo, terms: list[str], k: int) -> list[Candidate]:
        if not terms:
            return []
        with self.engine.connect() as conn:
            return keyword_candidates(conn, self.tables, collection.id, terms, k)

    def chunks(self, collection: CollectionInfo, ids: list[int]) -> dict[int, StoredChunk]:
        if not ids:
            return {}
        d, k = self.tables.documents, self.tables.chunks
        query = (
            sa.select(k.c.id, d.c.document, k.c.chunk, k.c.heading, k.c.text)
            .join(d, d.c.id == k.c.document_id)
            .where(k.c.collection_id == collection.id, k.c.id.in_(ids))
        )
        with self.engine.connect() as conn:
            return {row[0]: StoredChunk(*row) for row in conn.execute(query)}

    def vector_search(self, collection: CollectionInfo, vector: np.ndarray, k: int) -> list[Candidate]:
        raise NotImplementedError

    def close(self) -> None:
        """The engine belongs to whoever made it (the app or the CLI context)."""

    # ----- hooks for the vector side -------------------------------------------------------------------

    def _embedding_value(self, vector: np.ndarray) -> Any:
        return np.asarray(vector, dtype=np.float32).tobytes()

    def _collection_created(self, conn: Connection, dims: int) -> None:
        """Called in the transaction that created a collection."""

    def _collection_deleted(self, collection: CollectionInfo) -> None:
        """Called after a collection's rows are gone."""

    # ----- internals -----------------------------------------------------------------------------------

    def _collection_row(self, conn: Connection, org_id: str, name: str) -> CollectionInfo | None:
        c = self.tables.collections
        row = conn.execute(
            sa.select(c.c.id, c.c.org_id, c.c.name, c.c.embedder, c.c.dims).where(
                c.c.org_id == org_id, c.c.name == name
            )
        ).first()
        return CollectionInfo(*row) if row else None

    def _ensure_collection(self, org_id: str, name: str, embedder: str, dims: int) -> bool:
        """Insert the collection unless it exists (race-free on both dialects); True if this call made it."""
        c = self.tables.collections
        now = datetime.now(UTC)
        values = {
            "org_id": org_id,
            "name": name,
            "embedder": embedder,
            "dims": dims,
            "generation": 0,
            "created_at": now,
            "updated_at": now,
        }
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(c)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["org_id", "name"])
            .returning(c.c.id)
        )
        with self.engine.begin() as conn:
            created = conn.execute(statement).scalar_one_or_none() is not None
            if created:
                self._collection_created(conn, dims)
        return created

    def _replace(
        self, org_id: str, name: str, embedder: str, dims: int, document: DocumentRecord, chunks: list[ChunkRecord]
    ) -> ReplaceStatus:
        d, k = self.tables.documents, self.tables.chunks
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            collection = self._collection_row(conn, org_id, name)
            if collection is None:  # deleted between ensure and now
                raise Conflict(f"collection {name!r} was deleted during the ingest; try again")
            if (collection.embedder, collection.dims) != (embedder, dims):
                raise Conflict(
                    f"collection {name!r} holds {collection.dims}-dimensional vectors of {collection.embedder!r}; "
                    f"this server embeds with {embedder!r} ({dims} dimensions). Delete and re-ingest the "
                    "collection to change its model.",
                    param="collection",
                    code="embedding_model_mismatch",
                )
            # The first write takes the write lock (SQLite) / the collection's row lock (PostgreSQL), so
            # concurrent replaces of one collection run one after the other.
            self._bump_generation(conn, collection.id)
            existing = conn.execute(
                sa.select(d.c.id, d.c.sha256, d.c.created_at).where(
                    d.c.collection_id == collection.id, d.c.document == document.document
                )
            ).first()
            if existing is not None and existing.sha256 == document.sha256:
                return "unchanged"
            row = {
                "sha256": document.sha256,
                "media_type": document.media_type,
                "title": document.title[:500],
                "size_bytes": document.size_bytes,
                "chunk_count": len(chunks),
                "meta": document.metadata,
                "updated_at": now,
            }
            if existing is None:
                document_id = conn.execute(
                    sa.insert(d)
                    .values(collection_id=collection.id, document=document.document, created_at=now, **row)
                    .returning(d.c.id)
                ).scalar_one()
            else:
                document_id = existing.id
                conn.execute(sa.delete(k).where(k.c.document_id == document_id))
                conn.execute(sa.update(d).where(d.c.id == document_id).values(**row))
            rows = [
                {
                    "collection_id": collection.id,
                    "document_id": document_id,
                    "chunk": chunk.index,
                    "heading": chunk.heading,
                    "text": chunk.text,
                    "terms": scoped_terms(collection.id, chunk.terms),
                    "embedding": self._embedding_value(chunk.embedding),
                }
                for chunk in chunks
            ]
            for start in range(0, len(rows), INSERT_BATCH):
                conn.execute(sa.insert(k), rows[start : start + INSERT_BATCH])
        return "created" if existing is None else "replaced"

    def _bump_generation(self, conn: Connection, collection_id: int) -> None:
        c = self.tables.collections
        conn.execute(
            sa.update(c)
            .where(c.c.id == collection_id)
            .values(generation=c.c.generation + 1, updated_at=datetime.now(UTC))
        )

    def _drop_if_empty(self, org_id: str, name: str) -> None:
        c, d = self.tables.collections, self.tables.documents
        with self.engine.begin() as conn:
            collection = self._collection_row(conn, org_id, name)
            if collection is None:
                return
            has_documents = conn.execute(sa.select(d.c.id).where(d.c.collection_id == collection.id).limit(1)).first()
            if has_documents is None:
                conn.execute(sa.delete(c).where(c.c.id == collection.id))
