"""Bearer key -> caller (key + tenant), with a short in-process cache for the hot path.

A revoked key or a disabled tenant stops working at once in the replica that made the change and
within ``cache_ttl_s`` in the others (the cache is what keeps authentication off the database on
every request). A key in use is re-read in the background before its entry expires
(``storage/refresh_ahead.py``), so steady traffic never waits for the database on the event loop.

``authenticate`` (async, the gateway's) never queries on the event loop: a key not cached, or cached too
long ago, is read in a worker thread, once however many requests carry it at the same moment. Unknown
digests are remembered for a short while (``unknown_keys.py``) and malformed headers never reach a query
(``bearer.py``). ``authenticate_blocking`` is the same for code already off the loop (the CLI, threads).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from functools import partial

import anyio

from paramstack.errors import AuthenticationFailed, PermissionDenied
from paramstack.storage.refresh_ahead import RefreshAhead
from paramstack.tenancy.bearer import INCORRECT_KEY, bearer_secret
from paramstack.tenancy.keys import KeyStore, hash_secret
from paramstack.tenancy.models import Caller
from paramstack.tenancy.store import TenantStore
from paramstack.tenancy.unknown_keys import UnknownKeys


class Authenticator:
    def __init__(
        self,
        keys: KeyStore,
        tenants: TenantStore,
        *,
        cache_ttl_s: float = 5.0,
        cache_size: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
        unknown_keys: UnknownKeys | None = None,
    ) -> None:
        self._keys = keys
        self._tenants = tenants
        self._ttl = cache_ttl_s
        self._size = cache_size
        self._clock = clock
        self._cache: OrderedDict[str, RefreshAhead[Caller | None]] = OrderedDict()  # by the key's hash
        self._unknown = unknown_keys if unknown_keys is not None else UnknownKeys(clock=clock)
        self._reading: dict[str, anyio.Event] = {}  # digests being read in a worker thread right now

    async def authenticate(self, authorization: str | None, *, scope: str = "tenant") -> Caller:
        """The caller of a bearer header, without a database query on the event loop."""
        digest = hash_secret(bearer_secret(authorization))
        while True:
            entry = self._cache.get(digest)
            if entry is not None:
                fresh, caller = entry.get_if_fresh()
                if fresh:
                    return self._admit(digest, caller, scope)
            if digest in self._unknown:
                raise AuthenticationFailed(INCORRECT_KEY)
            reading = self._reading.get(digest)
            if reading is None:
                break
            await reading.wait()  # another request is reading this key: share its answer
        self._reading[digest] = done = anyio.Event()
        try:
            if entry is None:
                entry = RefreshAhead(partial(self._load, digest), max_age_s=self._ttl, clock=self._clock)
            caller = await anyio.to_thread.run_sync(entry.reload)
            self._store(digest, entry, caller)
        finally:
            del self._reading[digest]
            done.set()
        return self._admit(digest, caller, scope)

    def authenticate_blocking(self, authorization: str | None, *, scope: str = "tenant") -> Caller:
        """The same for callers off the event loop (it may query inline)."""
        digest = hash_secret(bearer_secret(authorization))
        entry = self._cache.get(digest)
        if entry is not None:
            caller = entry.get()
        elif digest in self._unknown:
            raise AuthenticationFailed(INCORRECT_KEY)
        else:
            entry = RefreshAhead(partial(self._load, digest), max_age_s=self._ttl, clock=self._clock)
            caller = entry.reload()
            self._store(digest, entry, caller)
        return self._admit(digest, caller, scope)

    def knows(self, authorization: str | None) -> bool:
        """Is this header a key this replica has recently found valid? In memory only, never a query: the
        failed-authentication limiter lets such requests through from an address it otherwise refuses."""
        try:
            digest = hash_secret(bearer_secret(authorization))
        except AuthenticationFailed:
            return False
        entry = self._cache.get(digest)
        if entry is None:
            return False
        fresh, caller = entry.get_if_fresh()
        return fresh and caller is not None

    def lookup_needed(self, authorization: str | None) -> str | None:
        """The key digest whose database lookup this header would cost now, or None when it costs none (no or
        a malformed header, a key cached as valid, a digest remembered as unknown). In memory only."""
        try:
            digest = hash_secret(bearer_secret(authorization))
        except AuthenticationFailed:
            return None
        entry = self._cache.get(digest)
        if entry is not None and entry.get_if_fresh()[0]:
            return None
        return None if digest in self._unknown else digest

    def forget_all(self) -> None:
        """Drop cached callers (after a revoke or a tenant change made by this process)."""
        self._cache.clear()
        self._unknown.clear()

    def _store(self, digest: str, entry: RefreshAhead[Caller | None], caller: Caller | None) -> None:
        if caller is None:
            self._unknown.add(digest)
        else:
            self._remember(digest, entry)

    def _admit(self, digest: str, caller: Caller | None, scope: str) -> Caller:
        if caller is None:
            self._cache.pop(digest, None)
            self._unknown.add(digest)
            raise AuthenticationFailed(INCORRECT_KEY)
        if caller.key.scope != scope:
            raise PermissionDenied(f"this endpoint needs a {scope} key; the key given is a {caller.key.scope} key")
        if caller.tenant is not None and not caller.tenant.active:
            raise PermissionDenied(f"tenant {caller.tenant.org_id!r} is disabled", code="tenant_disabled")
        return caller

    def _load(self, secret_hash: str) -> Caller | None:
        """The key's caller, or None for an unknown or revoked key (blocking: runs in a worker thread when
        the entry is refreshed ahead of its expiry)."""
        key = self._keys.find_by_secret_hash(secret_hash)
        if key is None or key.revoked:
            return None
        return Caller(key=key, tenant=self._tenants.get(key.org_id) if key.org_id else None)

    def _remember(self, secret_hash: str, entry: RefreshAhead[Caller | None]) -> None:
        self._cache[secret_hash] = entry
        while len(self._cache) > self._size:
            self._cache.popitem(last=False)
