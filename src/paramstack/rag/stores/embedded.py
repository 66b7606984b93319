"""The default store: the main database (SQLite or PostgreSQL) holds chunks and float32 vectors; an
in-process HNSW index (``hnsw.py``) answers vector queries. Nothing else to run, and it still works with
several gateway replicas on one PostgreSQL: each replica syncs its own index from the database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from paramstack.rag.models import Candidate, CollectionInfo
from paramstack.rag.stores.hnsw import LOAD_BATCH, HnswIndexes
from paramstack.rag.stores.sql_store import SqlStore
from paramstack.rag.tables import MAIN_TABLES, RagTables


class EmbeddedStore(SqlStore):
    backend = "embedded"

    def __init__(
        self, engine: Engine, *, snapshot_dir: Path | None, ef_search: int = 128, tables: RagTables = MAIN_TABLES
    ) -> None:
        super().__init__(engine, tables)
        url = engine.url.render_as_string(hide_password=True)
        namespace = hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]
        self._indexes = HnswIndexes(snapshot_dir, namespace, ef_search)

    def vector_search(self, collection: CollectionInfo, vector: np.ndarray, k: int) -> list[Candidate]:
        return self._indexes.search(
            collection.id,
            collection.dims,
            vector,
            k,
            lambda: self._generation(collection.id),
            lambda: self._chunk_ids(collection.id),
            lambda ids: self._vectors(collection.id, collection.dims, ids),
        )

    def _generation(self, collection_id: int) -> int | None:
        c = self.tables.collections
        with self.engine.connect() as conn:
            generation = conn.execute(sa.select(c.c.generation).where(c.c.id == collection_id)).scalar_one_or_none()
        return None if generation is None else int(generation)

    def _collection_deleted(self, collection: CollectionInfo) -> None:
        self._indexes.forget(collection.id)

    def _chunk_ids(self, collection_id: int) -> np.ndarray:
        k = self.tables.chunks
        with self.engine.connect() as conn:
            ids = conn.execute(sa.select(k.c.id).where(k.c.collection_id == collection_id)).scalars().all()
        return np.asarray(ids, dtype=np.int64)

    def _vectors(self, collection_id: int, dims: int, ids: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Vectors of ``ids`` (sorted) in batches. A range scan per batch, not a 5,000-item IN list: new ids
        are mostly consecutive (a first build or a fresh ingest), so the range holds little else."""
        k = self.tables.chunks
        for start in range(0, len(ids), LOAD_BATCH):
            wanted = ids[start : start + LOAD_BATCH]
            with self.engine.connect() as conn:
                rows = conn.execute(
                    sa.select(k.c.id, k.c.embedding).where(
                        k.c.collection_id == collection_id, k.c.id >= int(wanted[0]), k.c.id <= int(wanted[-1])
                    )
                ).all()
            keep = set(wanted.tolist())
            rows = [row for row in rows if row[0] in keep]
            if not rows:
                continue
            found = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
            vectors = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.float32).reshape(len(rows), dims)
            yield found, vectors
