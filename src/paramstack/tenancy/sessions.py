"""Console sessions: an API key signs in once, the browser then holds only a random session cookie.

The cookie carries 256 random bits; the database keeps its SHA-256 (as with API keys, a fast hash is right:
there is nothing to brute-force). The CSRF token is an HMAC of the cookie, so it needs no storage and is
worthless without the cookie, which page scripts cannot read (HttpOnly). A session ends at its expiry, at
sign-out, or as soon as its key is revoked or its tenant disabled: every lookup joins the key and tenant.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from paramstack.errors import AuthenticationFailed, PermissionDenied
from paramstack.tenancy.keys import KeyStore, hash_secret
from paramstack.tenancy.models import ApiKey, Caller
from paramstack.tenancy.session_tables import console_sessions
from paramstack.tenancy.store import TenantStore
from paramstack.tenancy.tables import api_keys

_CSRF_CONTEXT = b"paramstack console csrf v1"


@dataclass(frozen=True)
class Session:
    caller: Caller
    expires_at: datetime
    csrf_token: str


def csrf_token_for(session_token: str) -> str:
    return hmac.new(session_token.encode("ascii", "replace"), _CSRF_CONTEXT, hashlib.sha256).hexdigest()


def csrf_matches(session_token: str, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(csrf_token_for(session_token), presented or "")


class ConsoleSessions:
    def __init__(self, database: Engine, *, ttl_s: int) -> None:
        self._db = database
        self._ttl = timedelta(seconds=ttl_s)
        self._keys = KeyStore(database)
        self._tenants = TenantStore(database)

    def sign_in(self, api_key: str) -> tuple[str, Session]:
        """A new session for a valid key (admin or tenant): (the cookie value, the session)."""
        key = self._keys.find_by_secret(api_key.strip())
        if key is None or key.revoked:
            raise AuthenticationFailed("Incorrect API key provided.", param="api_key")
        tenant = self._tenants.get(key.org_id) if key.org_id else None
        if tenant is not None and not tenant.active:
            raise PermissionDenied(f"tenant {tenant.org_id!r} is disabled", code="tenant_disabled", param="api_key")
        token = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with self._db.begin() as connection:
            connection.execute(console_sessions.delete().where(console_sessions.c.expires_at < now))
            connection.execute(
                console_sessions.insert().values(
                    token_hash=hash_secret(token), key_id=key.key_id, created_at=now, expires_at=now + self._ttl
                )
            )
        return token, Session(Caller(key=key, tenant=tenant), now + self._ttl, csrf_token_for(token))

    def find(self, token: str | None) -> Session | None:
        """The live session of a cookie, or None (unknown, expired, key revoked, tenant disabled)."""
        if not token:
            return None
        key_columns = [c for c in api_keys.c if c.name != "secret_hash"]
        query = (
            sa.select(console_sessions.c.expires_at, *key_columns)
            .select_from(console_sessions.join(api_keys, api_keys.c.key_id == console_sessions.c.key_id))
            .where(console_sessions.c.token_hash == hash_secret(token), api_keys.c.revoked_at.is_(None))
        )
        with self._db.connect() as connection:
            row = connection.execute(query).mappings().first()
        if row is None or row["expires_at"] <= datetime.now(UTC):
            return None
        key = ApiKey.model_validate({c.name: row[c.name] for c in key_columns})
        tenant = self._tenants.get(key.org_id) if key.org_id else None
        if tenant is not None and not tenant.active:
            return None
        return Session(Caller(key=key, tenant=tenant), row["expires_at"], csrf_token_for(token))

    def sign_out(self, token: str) -> None:
        with self._db.begin() as connection:
            connection.execute(console_sessions.delete().where(console_sessions.c.token_hash == hash_secret(token)))
