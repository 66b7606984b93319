"""Bearer key -> caller (key + tenant), with a short in-process cache for the hot path.

A revoked key or a disabled tenant stops working at once in the replica that made the change and
within ``cache_ttl_s`` in the others (the cache is what keeps authentication off the database on
every request).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from paramstack.errors import AuthenticationFailed, PermissionDenied
from paramstack.tenancy.keys import KeyStore, hash_secret
from paramstack.tenancy.models import ApiKey, Tenant
from paramstack.tenancy.store import TenantStore


@dataclass(frozen=True)
class Caller:
    key: ApiKey
    tenant: Tenant | None  # None for admin keys

    @property
    def org_id(self) -> str:
        return self.tenant.org_id if self.tenant else "-"


class Authenticator:
    def __init__(self, keys: KeyStore, tenants: TenantStore, *, cache_ttl_s: float = 5.0,
                 cache_size: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._keys = keys
        self._tenants = tenants
        self._ttl = cache_ttl_s
        self._size = cache_size
        self._clock = clock
        self._cache: OrderedDict[str, tuple[float, Caller]] = OrderedDict()

    def authenticate(self, authorization: str | None, *, scope: str = "tenant") -> Caller:
        secret = _bearer_secret(authorization)
        caller = self._cached(secret) or self._load(secret)
        if caller.key.scope != scope:
            raise PermissionDenied(f"this endpoint needs a {scope} key; the key given is a {caller.key.scope} key")
        if caller.tenant is not None and not caller.tenant.active:
            raise PermissionDenied(f"tenant {caller.tenant.org_id!r} is disabled", code="tenant_disabled")
        return caller

    def forget_all(self) -> None:
        """Drop cached callers (after a revoke or a tenant change made by this process)."""
        self._cache.clear()

    def _cached(self, secret: str) -> Caller | None:
        entry = self._cache.get(hash_secret(secret))
        if entry is None or entry[0] < self._clock():
            return None
        return entry[1]

    def _load(self, secret: str) -> Caller:
        key = self._keys.find_by_secret(secret)
        if key is None or key.revoked:
            raise AuthenticationFailed("Incorrect API key provided. You can create keys with `paramstack keys create`.")
        tenant = self._tenants.get(key.org_id) if key.org_id else None
        caller = Caller(key=key, tenant=tenant)
        digest = hash_secret(secret)
        self._cache[digest] = (self._clock() + self._ttl, caller)
        self._cache.move_to_end(digest)
        while len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return caller


def _bearer_secret(authorization: str | None) -> str:
    if not authorization:
        raise AuthenticationFailed(
            "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.", code="missing_api_key"
        )
    scheme, _, secret = authorization.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise AuthenticationFailed("The Authorization header must be 'Bearer <key>'.")
    return secret.strip()
