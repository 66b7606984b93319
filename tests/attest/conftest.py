"""Fixtures of the attest tests: a key ring, and migrated databases (SQLite file, PostgreSQL schema).

PostgreSQL tests use a schema of their own per test (search_path in the URL), so they never touch the
tables of other rooms' tests running against the same server. Without a server they are skipped
loudly, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from paramstack.attest.keys import KeyRing, SigningKey
from paramstack.storage.database import create_db_engine
from paramstack.storage.migrate import upgrade_to_head

PG_URL = os.environ.get("PARAMSTACK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def signing_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def keyring(signing_key: SigningKey) -> KeyRing:
    return KeyRing(signing_key=signing_key)


def _postgres_admin() -> sa.engine.Engine:
    engine = create_db_engine(PG_URL)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except sa.exc.OperationalError as error:
        engine.dispose()
        reason = f"PostgreSQL at {PG_URL} unreachable: {str(error.orig).splitlines()[0]}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(f"!!! SKIPPING POSTGRESQL TESTS: {reason}")
    return engine


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, migrated schema on the real server; dropped afterwards."""
    admin = _postgres_admin()
    schema = f"attest_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'paramstack.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request) -> str:
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
        return request.getfixturevalue("postgres_url")
    return request.getfixturevalue("sqlite_url")


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.engine.Engine]:
    engine = create_db_engine(database_url)
    upgrade_to_head(engine)
    yield engine
    engine.dispose()
