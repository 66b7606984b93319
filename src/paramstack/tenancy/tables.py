"""Tenants and their API keys (schema owned by migrations 0001_tenancy and 0007_tenant_rag_by_default)."""

from __future__ import annotations

import sqlalchemy as sa

from paramstack.storage.database import METADATA
from paramstack.storage.types import UtcDateTime

tenants = sa.Table(
    "tenants",
    METADATA,
    sa.Column("org_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, server_default="active"),
    sa.Column("models", sa.JSON, nullable=False),
    sa.Column("adapters", sa.JSON, nullable=False),
    sa.Column("default_adapter", sa.String(128), nullable=True),
    sa.Column("rag_collection", sa.String(128), nullable=True),
    sa.Column("rag_by_default", sa.Boolean, nullable=False, server_default=sa.false()),  # migration 0007
    sa.Column("guard_policy", sa.String(128), nullable=False, server_default="default"),
    sa.Column("limits", sa.JSON, nullable=False),
    sa.Column("pricing", sa.JSON, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

api_keys = sa.Table(
    "api_keys",
    METADATA,
    sa.Column("key_id", sa.String(32), primary_key=True),
    sa.Column("org_id", sa.String(64), sa.ForeignKey("tenants.org_id"), nullable=True, index=True),
    sa.Column("scope", sa.String(16), nullable=False),  # "tenant" or "admin"
    sa.Column("name", sa.String(200), nullable=False, server_default=""),
    sa.Column("prefix", sa.String(24), nullable=False),
    sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("revoked_at", UtcDateTime(), nullable=True),
)
