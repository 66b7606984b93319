"""Console sessions on SQLite and PostgreSQL: a key signs in once; the session ends at its expiry, at sign-out,
and as soon as its key is revoked or its tenant disabled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from paramstack.errors import AuthenticationFailed, PermissionDenied
from paramstack.tenancy.keys import KeyStore, hash_secret
from paramstack.tenancy.models import TenantSpec
from paramstack.tenancy.session_tables import console_sessions
from paramstack.tenancy.sessions import ConsoleSessions, csrf_matches, csrf_token_for
from paramstack.tenancy.store import TenantStore


def test_a_session_lives_until_sign_out_expiry_revocation_or_a_disabled_tenant(database):
    tenants, keys = TenantStore(database), KeyStore(database)
    tenants.add("org_a", TenantSpec(name="A"))
    admin, admin_secret = keys.create(None, scope="admin", name="ops")
    tenant_key, tenant_secret = keys.create("org_a", name="viewer")
    sessions = ConsoleSessions(database, ttl_s=3600)

    token, session = sessions.sign_in(admin_secret)
    assert session.caller.key.key_id == admin.key_id and session.caller.tenant is None
    found = sessions.find(token)
    assert found is not None and found.caller.key.scope == "admin" and found.expires_at.tzinfo is not None
    assert found.csrf_token == csrf_token_for(token) and csrf_matches(token, found.csrf_token)
    assert not csrf_matches(token, None) and not csrf_matches(token, "") and not csrf_matches("other", found.csrf_token)
    with database.connect() as connection:  # only the hash of the cookie is stored
        stored = connection.execute(sa.select(console_sessions.c.token_hash)).scalars().all()
    assert stored == [hash_secret(token)] and token not in stored
    sessions.sign_out(token)
    assert sessions.find(token) is None

    token, session = sessions.sign_in(tenant_secret)
    assert session.caller.tenant is not None and session.caller.tenant.org_id == "org_a"
    tenants.set_status("org_a", "disabled")
    assert sessions.find(token) is None
    tenants.set_status("org_a", "active")
    assert sessions.find(token) is not None
    keys.revoke(tenant_key.key_id)
    assert sessions.find(token) is None
    with pytest.raises(AuthenticationFailed):
        sessions.sign_in(tenant_secret)

    token, _ = sessions.sign_in(admin_secret)
    with database.begin() as connection:
        connection.execute(console_sessions.update().values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert sessions.find(token) is None
    assert sessions.find(None) is None and sessions.find("") is None and sessions.find("nope") is None
    with pytest.raises(AuthenticationFailed):
        sessions.sign_in("psa-not-a-key")


def test_a_disabled_tenant_cannot_sign_in(database):
    TenantStore(database).add("org_b", TenantSpec(name="B"))
    _, secret = KeyStore(database).create("org_b")
    TenantStore(database).set_status("org_b", "disabled")
    with pytest.raises(PermissionDenied):
        ConsoleSessions(database, ttl_s=60).sign_in(secret)
