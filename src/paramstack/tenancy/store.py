"""Tenants in the relational store (SQLite or PostgreSQL, same code)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.engine import Engine

from paramstack.errors import Conflict, InvalidRequest, NotFound
from paramstack.tenancy.models import Tenant, TenantSpec
from paramstack.tenancy.tables import tenants


def _validation_message(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())


def parse_spec(data: dict[str, Any]) -> TenantSpec:
    try:
        return TenantSpec.model_validate(data)
    except ValidationError as error:
        raise InvalidRequest(f"invalid tenant: {_validation_message(error)}", param=_first_field(error)) from None


def _first_field(error: ValidationError) -> str | None:
    """The first failing field as a dotted path (``limits.tps``): what a form shows its message beside."""
    for problem in error.errors():
        location = [str(p) for p in problem["loc"] if not isinstance(p, int)]
        if location:
            return ".".join(location)
    return None


class TenantStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, org_id: str, spec: TenantSpec) -> Tenant:
        now = datetime.now(UTC)
        try:
            tenant = Tenant(org_id=org_id, created_at=now, updated_at=now, **spec.model_dump())
        except ValidationError as error:
            raise InvalidRequest(f"invalid tenant: {_validation_message(error)}", param="org_id") from None
        try:
            with self._engine.begin() as connection:
                connection.execute(tenants.insert().values(**_row(tenant)))
        except sa.exc.IntegrityError:
            raise Conflict(f"tenant {org_id!r} already exists", param="org_id") from None
        return tenant

    def get(self, org_id: str) -> Tenant:
        with self._engine.connect() as connection:
            row = connection.execute(tenants.select().where(tenants.c.org_id == org_id)).mappings().first()
        if row is None:
            raise NotFound(f"tenant {org_id!r} does not exist", param="org_id")
        return Tenant.model_validate(dict(row))

    def list(self) -> list[Tenant]:
        with self._engine.connect() as connection:
            rows = connection.execute(tenants.select().order_by(tenants.c.org_id)).mappings().all()
        return [Tenant.model_validate(dict(row)) for row in rows]

    def update(self, org_id: str, changes: dict[str, Any]) -> Tenant:
        """Apply a partial change (nested limits/pricing merge field by field) and validate the result."""
        current = self.get(org_id)
        merged = current.model_dump(include=set(TenantSpec.model_fields))
        for field, value in changes.items():
            if isinstance(value, dict) and isinstance(merged.get(field), dict):
                merged[field] = {**merged[field], **value}
            else:
                merged[field] = value
        spec = parse_spec(merged)
        return self._write(
            Tenant.model_validate({**current.model_dump(), **spec.model_dump(), "updated_at": datetime.now(UTC)})
        )

    def set_status(self, org_id: str, status: str) -> Tenant:
        current = self.get(org_id)
        return self._write(
            Tenant.model_validate({**current.model_dump(), "status": status, "updated_at": datetime.now(UTC)})
        )

    def _write(self, tenant: Tenant) -> Tenant:
        with self._engine.begin() as connection:
            connection.execute(tenants.update().where(tenants.c.org_id == tenant.org_id).values(**_row(tenant)))
        return tenant


def _row(tenant: Tenant) -> dict[str, Any]:
    return tenant.model_dump(mode="json") | {"created_at": tenant.created_at, "updated_at": tenant.updated_at}
