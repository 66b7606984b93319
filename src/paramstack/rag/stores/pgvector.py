"""PostgreSQL + pgvector: vectors and their HNSW index live in the database, for collections too big for
one process's memory and for replicas that should not each hold an index.

Any PostgreSQL with the ``vector`` extension available (pgvector >= 0.8 for iterative index scans, which
keep a filtered HNSW search from returning fewer than k rows).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, Engine

from paramstack.errors import ConfigurationError
from paramstack.rag.models import Candidate, CollectionInfo
from paramstack.rag.stores.sql_store import SqlStore
from paramstack.rag.tables import RagTables, rag_tables

LOG = logging.getLogger("paramstack.rag")
SCHEMA = "paramstack_rag"
MIGRATIONS_DIR = Path(__file__).parent / "pgvector_migrations"
HNSW_MAX_DIMS = 2000  # pgvector's limit for HNSW on `vector`; larger models get exact search


def pgvector_tables() -> RagTables:
    from pgvector.sqlalchemy import VECTOR

    return rag_tables(sa.MetaData(), VECTOR(), schema=SCHEMA)


class PgvectorStore(SqlStore):
    backend = "pgvector"

    def __init__(self, engine: Engine, *, ef_search: int = 128) -> None:
        super().__init__(engine, pgvector_tables())
        self._ef_search = ef_search
        migrate_pgvector_store(engine)

    def vector_search(self, collection: CollectionInfo, vector: np.ndarray, k: int) -> list[Candidate]:
        dims = int(collection.dims)
        literal = "[" + ",".join(f"{x:.7g}" for x in np.asarray(vector, dtype=np.float32)) + "]"
        distance = f"(embedding::vector({dims})) <=> CAST(:query AS vector({dims}))"
        with self.engine.begin() as conn:
            conn.execute(sa.text(f"SET LOCAL hnsw.ef_search = {int(self._ef_search)}"))
            conn.execute(sa.text("SET LOCAL hnsw.iterative_scan = strict_order"))
            rows = conn.execute(
                sa.text(
                    f"SELECT id, 1 - ({distance}) AS score FROM {self.tables.chunks_name} "  # noqa: S608
                    f"WHERE collection_id = :collection AND vector_dims(embedding) = {dims} "
                    f"ORDER BY {distance} LIMIT :k"
                ),
                {"query": literal, "collection": collection.id, "k": k},
            )
            return [Candidate(int(row[0]), float(row[1])) for row in rows]

    def _embedding_value(self, vector: np.ndarray) -> np.ndarray:
        return np.asarray(vector, dtype=np.float32)

    def _collection_created(self, conn: Connection, dims: int) -> None:
        # One partial expression index per dimension, as pgvector's docs advise for mixed dimensions;
        # IF NOT EXISTS makes it free after the first collection of that dimension.
        if dims > HNSW_MAX_DIMS:
            LOG.warning("no HNSW index over %d dimensions: exact search for these collections", dims)
            return
        conn.execute(
            sa.text(
                f"CREATE INDEX IF NOT EXISTS rag_chunks_hnsw_{dims} ON {self.tables.chunks_name} "
                f"USING hnsw ((embedding::vector({dims})) vector_cosine_ops) WHERE vector_dims(embedding) = {dims}"
            )
        )


def migrate_pgvector_store(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        raise ConfigurationError("the pgvector store needs a postgresql:// URL")
    with engine.connect() as conn:
        available = conn.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")).first()
    if available is None:
        raise ConfigurationError(
            f"PostgreSQL at {engine.url.render_as_string(hide_password=True)} has no pgvector "
            "extension ('vector'); install pgvector there, or leave rag.store_url unset to "
            "use the embedded store"
        )
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    command.upgrade(config, "head")
