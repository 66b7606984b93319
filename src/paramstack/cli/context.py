"""What CLI commands share: the validated settings and the migrated database."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy.engine import Engine

from paramstack.settings import Settings, load_settings
from paramstack.storage.database import create_db_engine
from paramstack.storage.migrate import upgrade_to_head
from paramstack.tenancy.keys import KeyStore
from paramstack.tenancy.store import TenantStore


@dataclass
class CliContext:
    settings: Settings

    @classmethod
    def load(cls) -> CliContext:
        return cls(load_settings())

    @cached_property
    def database(self) -> Engine:
        engine = create_db_engine(self.settings.resolved_database_url)
        upgrade_to_head(engine)  # idempotent; a fresh data dir just works
        return engine

    @cached_property
    def tenants(self) -> TenantStore:
        return TenantStore(self.database)

    @cached_property
    def keys(self) -> KeyStore:
        return KeyStore(self.database)
