"""The list of modules that declare tables on METADATA (Alembic's autogenerate and env need them all)."""

from __future__ import annotations

import importlib

TABLE_MODULES = (
    "paramstack.tenancy.tables",
    "paramstack.tenancy.session_tables",
    "paramstack.attest.tables",
    "paramstack.metering.tables",
    "paramstack.deploy.canary_tables",
    "paramstack.registry.tables",
    "paramstack.train.label_tables",
    "paramstack.rag.tables",
)


def import_all_tables() -> None:
    for module in TABLE_MODULES:
        importlib.import_module(module)
