"""Key -> caller with a cache: changes made by another replica arrive within the TTL, and a key in use is
re-read off the event loop (on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from paramstack.errors import AuthenticationFailed
from paramstack.tenancy.authenticator import Authenticator
from paramstack.tenancy.keys import KeyStore
from paramstack.tenancy.models import TenantLimits, TenantSpec
from paramstack.tenancy.store import TenantStore


class CountingKeys(KeyStore):
    """The real key store, noting which thread each lookup ran on."""

    def __init__(self, database) -> None:
        super().__init__(database)
        self.lookups: list[int] = []

    def find_by_secret_hash(self, secret_hash):
        self.lookups.append(threading.get_ident())
        return super().find_by_secret_hash(secret_hash)


@pytest.fixture
def world(database):
    tenants = TenantStore(database)
    tenants.add("org_a", TenantSpec(name="A", models=["paramstack-tiny"], limits=TenantLimits(rpm=60)))
    keys = CountingKeys(database)
    key, secret = keys.create("org_a")
    return tenants, keys, key, f"Bearer {secret}"


def test_a_change_made_by_another_replica_arrives_within_the_ttl(world, database):
    tenants, keys, key, bearer = world
    now = [0.0]
    auth = Authenticator(keys, tenants, cache_ttl_s=5.0, clock=lambda: now[0])
    assert auth.authenticate(bearer).tenant.limits.rpm == 60
    tenants.update("org_a", {"limits": {"rpm": 7}})
    KeyStore(database).revoke(key.key_id)  # another process: this one's cache is not told
    now[0] = 4.9
    assert auth.authenticate(bearer).tenant.limits.rpm == 60  # cached, within the TTL
    now[0] = 5.0
    with pytest.raises(AuthenticationFailed):
        auth.authenticate(bearer)
    with pytest.raises(AuthenticationFailed):  # and stays refused
        auth.authenticate(bearer)


def test_unknown_keys_are_refused_every_time_and_never_cached(world):
    tenants, keys, _, _ = world
    auth = Authenticator(keys, tenants)
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            auth.authenticate("Bearer psk-not-a-key")
    assert len(keys.lookups) == 3 and not auth._cache


def test_a_key_in_use_is_reread_in_a_worker_thread_before_it_expires(world):
    tenants, keys, _, bearer = world
    now = [0.0]
    auth = Authenticator(keys, tenants, cache_ttl_s=5.0, clock=lambda: now[0])

    async def traffic() -> int:
        assert auth.authenticate(bearer).tenant.limits.rpm == 60  # first use: read inline
        tenants.update("org_a", {"limits": {"rpm": 9}})
        now[0] = 3.0  # past half the TTL: the next request starts a background read and is not held
        assert auth.authenticate(bearer).tenant.limits.rpm == 60
        for _ in range(400):
            await asyncio.sleep(0.005)
            if auth.authenticate(bearer).tenant.limits.rpm == 9:
                break
        return threading.get_ident()

    loop_thread = asyncio.run(traffic())
    assert auth.authenticate(bearer).tenant.limits.rpm == 9
    assert keys.lookups[0] == loop_thread and len(keys.lookups) == 2 and keys.lookups[1] != loop_thread
