"""Real PostgreSQL and Redis for the tests: throwaway databases, loud skips outside CI, never skips in CI."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

POSTGRES_ADMIN_URL = os.environ.get("PARAMSTACK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("PARAMSTACK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require_service(name: str, reachable: bool, how: str) -> None:
    if reachable:
        return
    message = f"{name} is not reachable ({how}); start it (see .ci/run)"
    if in_ci():
        pytest.fail(f"CI=true: {message}", pytrace=False)
    pytest.skip(f"!!! SKIPPED: {message} !!!")


def postgres_reachable() -> bool:
    import psycopg

    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty database for one test module or session; dropped afterwards."""
    import psycopg

    require_service("PostgreSQL", postgres_reachable(), POSTGRES_ADMIN_URL)
    name = f"paramstack_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@contextmanager
def migrated_database(kind: str, directory) -> Iterator[object]:
    """A SQLAlchemy engine on a fresh, fully migrated database: ``kind`` is "sqlite" or "postgresql"."""
    from paramstack.storage.database import create_db_engine
    from paramstack.storage.migrate import upgrade_to_head

    if kind == "sqlite":
        engine = create_db_engine(f"sqlite:///{directory / 'paramstack.db'}")
        upgrade_to_head(engine)
        yield engine
        engine.dispose()
        return
    with fresh_postgres_database() as url:
        engine = create_db_engine(url)
        upgrade_to_head(engine)
        yield engine
        engine.dispose()
