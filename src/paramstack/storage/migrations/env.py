"""Alembic environment: runs against the engine handed over by ``storage/migrate.py``."""

from __future__ import annotations

from alembic import context

from paramstack.errors import ConfigurationError
from paramstack.storage.database import METADATA, create_db_engine
from paramstack.storage.tables import import_all_tables

import_all_tables()
config = context.config
engine = config.attributes.get("engine")
if engine is None:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise ConfigurationError("alembic: run migrations through paramstack.storage.migrate, or set sqlalchemy.url")
    engine = create_db_engine(url)

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=METADATA, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
