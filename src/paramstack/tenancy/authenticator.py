"""Bearer key -> caller (key + tenant), with a short in-process cache for the hot path.

A revoked key or a disabled tenant stops working at once in the replica that made the change and
within ``cache_ttl_s`` in the others (the cache is what keeps authentication off the database on
every request). A key in use is re-read in the background before its entry expires
(``storage/refresh_ahead.py``), so steady traffic never waits for the database on the event loop.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from functools import partial

from paramstack.errors import AuthenticationFailed, PermissionDenied
from paramstack.storage.refresh_ahead import RefreshAhead
from paramstack.tenancy.keys import KeyStore, hash_secret
from paramstack.tenancy.models import Caller
from paramstack.tenancy.store import TenantStore


class Authenticator:
    def __init__(self, keys: KeyStore, tenants: TenantStore, *, cache_ttl_s: float = 5.0,
                 cache_size: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._keys = keys
        self._tenants = tenants
        self._ttl = cache_ttl_s
        self._size = cache_size
        self._clock = clock
        self._cache: OrderedDict[str, RefreshAhead[Caller | None]] = OrderedDict()  # by the key's hash

    def authenticate(self, authorization: str | None, *, scope: str = "tenant") -> Caller:
        digest = hash_secret(_bearer_secret(authorization))
        entry = self._cache.get(digest)
        if entry is None:
            entry = RefreshAhead(partial(self._load, digest), max_age_s=self._ttl, clock=self._clock)
            caller = entry.reload()
            if caller is not None:  # unknown keys are not cached: anyone can send any number of them
                self._remember(digest, entry)
        else:
            caller = entry.get()
        if caller is None:
            self._cache.pop(digest, None)
            raise AuthenticationFailed("Incorrect API key provided. You can create keys with `paramstack keys create`.")
        if caller.key.scope != scope:
            raise PermissionDenied(f"this endpoint needs a {scope} key; the key given is a {caller.key.scope} key")
        if caller.tenant is not None and not caller.tenant.active:
            raise PermissionDenied(f"tenant {caller.tenant.org_id!r} is disabled", code="tenant_disabled")
        return caller

    def forget_all(self) -> None:
        """Drop cached callers (after a revoke or a tenant change made by this process)."""
        self._cache.clear()

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


def _bearer_secret(authorization: str | None) -> str:
    if not authorization:
        raise AuthenticationFailed(
            "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.", code="missing_api_key"
        )
    scheme, _, secret = authorization.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise AuthenticationFailed("The Authorization header must be 'Bearer <key>'.")
    return secret.strip()
