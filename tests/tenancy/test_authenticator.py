"""Key -> caller with a cache: changes made by another replica arrive within the TTL, a key in use is re-read
off the event loop, unknown and malformed keys cost (almost) no queries (on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from paramstack.errors import AuthenticationFailed
from paramstack.tenancy.authenticator import Authenticator
from paramstack.tenancy.keys import KeyStore
from paramstack.tenancy.models import TenantLimits, TenantSpec
from paramstack.tenancy.store import TenantStore
from paramstack.tenancy.unknown_keys import UnknownKeys


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
    assert auth.authenticate_blocking(bearer).tenant.limits.rpm == 60
    tenants.update("org_a", {"limits": {"rpm": 7}})
    KeyStore(database).revoke(key.key_id)  # another process: this one's cache is not told
    now[0] = 4.9
    assert auth.authenticate_blocking(bearer).tenant.limits.rpm == 60  # cached, within the TTL
    now[0] = 5.0
    with pytest.raises(AuthenticationFailed):
        auth.authenticate_blocking(bearer)
    with pytest.raises(AuthenticationFailed):  # and stays refused
        asyncio.run(auth.authenticate(bearer))


def test_an_unknown_key_is_refused_every_time_and_looked_up_once_per_negative_ttl(world):
    tenants, keys, _, _ = world
    now = [0.0]
    auth = Authenticator(keys, tenants, clock=lambda: now[0], unknown_keys=UnknownKeys(ttl_s=30, clock=lambda: now[0]))

    async def repeat(times: int) -> None:
        for _ in range(times):
            with pytest.raises(AuthenticationFailed):
                await auth.authenticate("Bearer psk-not-a-key")

    asyncio.run(repeat(50))
    assert len(keys.lookups) == 1 and not auth._cache
    now[0] = 31.0  # remembered for a short while only
    asyncio.run(repeat(5))
    assert len(keys.lookups) == 2


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Bearer     ",
        "Basic dXNlcjpwYXNz",
        "bearer",
        "Token psk-abc",
        "psk-abc",
        "Bearer psk-" + "a" * 10_000,
        "Bearer " + "x" * 300,
        "Bearer psk-\u00e9t\u00e9",
        "Bearer psk-abc\x00def",
        "Bearer psk-abc\r\nX-Injected: 1",
        "Bearer psk-abc def",
        "Bearer psk-\x7f",
        "Bearer \t\t",
        "Bearer psk-\u202eabc",
        "Bearer Bearer psk-abc",
        "Bearer psk-abc,psk-def",
        "Bearer 'psk-abc'",
    ],
    ids=repr,
)
def test_every_malformed_authorization_header_is_a_401_without_a_query(world, header):
    tenants, keys, _, _ = world
    auth = Authenticator(keys, tenants)
    with pytest.raises(AuthenticationFailed) as refused:
        asyncio.run(auth.authenticate(header))
    assert refused.value.status_code == 401 and refused.value.error_type == "invalid_request_error"
    assert keys.lookups == []


def test_the_first_lookup_runs_in_a_worker_thread_once_for_many_concurrent_requests(world):
    tenants, keys, _, bearer = world
    auth = Authenticator(keys, tenants)

    async def burst() -> tuple[int, list[str]]:
        callers = await asyncio.gather(*(auth.authenticate(bearer) for _ in range(50)))
        return threading.get_ident(), [c.org_id for c in callers]

    loop_thread, orgs = asyncio.run(burst())
    assert orgs == ["org_a"] * 50
    assert len(keys.lookups) == 1 and keys.lookups[0] != loop_thread


def test_an_expired_entry_is_reread_off_the_event_loop(world):
    tenants, keys, _, bearer = world
    now = [0.0]
    auth = Authenticator(keys, tenants, cache_ttl_s=5.0, clock=lambda: now[0])

    async def twice() -> int:
        await auth.authenticate(bearer)
        tenants.update("org_a", {"limits": {"rpm": 11}})
        now[0] = 60.0  # no traffic for a while: the entry is past its age limit
        assert (await auth.authenticate(bearer)).tenant.limits.rpm == 11
        return threading.get_ident()

    loop_thread = asyncio.run(twice())
    assert len(keys.lookups) == 2 and loop_thread not in keys.lookups


def test_a_key_in_use_is_reread_in_a_worker_thread_before_it_expires(world):
    tenants, keys, _, bearer = world
    now = [0.0]
    auth = Authenticator(keys, tenants, cache_ttl_s=5.0, clock=lambda: now[0])

    async def traffic() -> int:
        assert (await auth.authenticate(bearer)).tenant.limits.rpm == 60  # first use: read in a worker thread
        tenants.update("org_a", {"limits": {"rpm": 9}})
        now[0] = 3.0  # past half the TTL: the next request starts a background read and is not held
        assert (await auth.authenticate(bearer)).tenant.limits.rpm == 60
        for _ in range(400):
            await asyncio.sleep(0.005)
            if (await auth.authenticate(bearer)).tenant.limits.rpm == 9:
                break
        return threading.get_ident()

    loop_thread = asyncio.run(traffic())
    assert auth.authenticate_blocking(bearer).tenant.limits.rpm == 9
    assert len(keys.lookups) == 2 and loop_thread not in keys.lookups
