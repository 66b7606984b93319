"""``rag.store_url`` -> a ``VectorStore``: unset for the embedded store in the main database, a
``postgresql://`` URL for pgvector."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from paramstack.errors import ConfigurationError
from paramstack.rag.stores.protocol import VectorStore
from paramstack.storage.database import create_db_engine, normalise_url

PGVECTOR_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://", "pgvector://")


def open_store(
    url: str | None, main_database: Engine, *, snapshot_dir: Path | None, ef_search: int = 128
) -> tuple[VectorStore, Engine | None]:
    """The store, and the engine it opened (None when it uses the main database): the caller disposes it."""
    if url is None or url in ("", "embedded", "database"):
        from paramstack.rag.stores.embedded import EmbeddedStore

        return EmbeddedStore(main_database, snapshot_dir=snapshot_dir, ef_search=ef_search), None
    if url.startswith(PGVECTOR_SCHEMES):
        from paramstack.rag.stores.pgvector import PgvectorStore

        engine = create_db_engine(normalise_url("postgresql://" + url.split("://", 1)[1]))
        try:
            return PgvectorStore(engine, ef_search=ef_search), engine
        except BaseException:
            engine.dispose()
            raise
    raise ConfigurationError(
        f"rag.store_url {url!r}: leave it unset (embedded store in the main database) or "
        "give a postgresql:// URL of a database with pgvector"
    )
