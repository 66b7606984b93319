"""API keys: random, prefixed, shown once, stored only as SHA-256 hashes, revocable.

The secrets carry 256 bits of randomness, so a fast hash is the right tool (nothing to brute-force);
lookups go by hash through a unique index, confirmed by a constant-time comparison.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime
from typing import Literal

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.engine import Engine

from paramstack.errors import InvalidRequest, NotFound
from paramstack.tenancy.models import ApiKey
from paramstack.tenancy.tables import api_keys

KEY_PREFIXES: dict[Literal["tenant", "admin"], str] = {"tenant": "psk-", "admin": "psa-"}  # ApiKey.scope
VISIBLE_PREFIX_LENGTH = 12


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_secret(scope: Literal["tenant", "admin"]) -> str:
    return KEY_PREFIXES[scope] + secrets.token_urlsafe(32)


class KeyStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self, org_id: str | None, *, scope: str = "tenant", name: str = "") -> tuple[ApiKey, str]:
        """Create a key; returns its record and the secret (the only time the secret exists in clear)."""
        if scope not in KEY_PREFIXES:
            raise InvalidRequest(f"unknown key scope {scope!r}", param="scope")
        if (scope == "tenant") != (org_id is not None):
            raise InvalidRequest("a tenant key needs a tenant; an admin key has none", param="org_id")
        secret = new_secret(scope)
        try:
            key = ApiKey(
                key_id="key_" + secrets.token_hex(8),
                org_id=org_id,
                scope=scope,
                name=name,
                prefix=secret[:VISIBLE_PREFIX_LENGTH],
                created_at=datetime.now(UTC),
            )
        except ValidationError:
            raise InvalidRequest(
                "a key's name is at most 200 characters, without control characters", param="name"
            ) from None
        try:
            with self._engine.begin() as connection:
                connection.execute(api_keys.insert().values(**key.model_dump(), secret_hash=hash_secret(secret)))
        except sa.exc.IntegrityError:
            raise NotFound(f"tenant {org_id!r} does not exist", param="org_id") from None
        return key, secret

    def list(self, org_id: str | None = None, *, include_revoked: bool = True) -> list[ApiKey]:
        query = api_keys.select().order_by(api_keys.c.created_at)
        if org_id is not None:
            query = query.where(api_keys.c.org_id == org_id)
        if not include_revoked:
            query = query.where(api_keys.c.revoked_at.is_(None))
        with self._engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [ApiKey.model_validate(_without_hash(row)) for row in rows]

    def revoke(self, key_id: str) -> ApiKey:
        with self._engine.begin() as connection:
            result = connection.execute(
                api_keys.update()
                .where(api_keys.c.key_id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            )
            row = connection.execute(api_keys.select().where(api_keys.c.key_id == key_id)).mappings().first()
        if row is None:
            raise NotFound(f"API key {key_id!r} does not exist", param="key_id")
        del result
        return ApiKey.model_validate(_without_hash(row))

    def find_by_secret(self, secret: str) -> ApiKey | None:
        return self.find_by_secret_hash(hash_secret(secret))

    def find_by_secret_hash(self, secret_hash: str) -> ApiKey | None:
        with self._engine.connect() as connection:
            row = connection.execute(api_keys.select().where(api_keys.c.secret_hash == secret_hash)).mappings().first()
        # The index found the row; the comparison that decides is constant-time, and exact whatever the
        # database's collation (a case-insensitive one would otherwise match a digest it should not).
        if row is None or not hmac.compare_digest(row["secret_hash"], secret_hash):
            return None
        return ApiKey.model_validate(_without_hash(row))


def _without_hash(row: sa.RowMapping) -> dict[str, object]:
    return {k: v for k, v in row.items() if k != "secret_hash"}
