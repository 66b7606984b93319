"""Contain failed authentications: after ``max_failures`` in a window, an address gets 429 with ``Retry-After``
(OpenAI's error JSON) until the window closes, before its key is looked up or its body read.

The outermost middleware, so it sees every 401 whichever route produced it. For a request whose key this
replica does not know to be valid, one attempt is counted *before* the request runs (the failure store's
``hit``; Redis shares it between replicas) and given back when the answer is not a 401. So an address can
cause at most ``max_failures`` key lookups per window across all replicas, however many it sends at once.
A known key (in the authenticator's cache) costs nothing here and passes even from a refused address: a
tenant behind the same NAT as a flooder keeps working. Requests that cost no lookup (no key, a malformed one,
a digest remembered as unknown, a key another request is reading right now) are counted when they fail.

If the failure store does not answer, requests go through uncounted (logged, counted in a metric): the
negative cache and the off-loop lookups still protect the database; failing closed would let a Redis
outage lock every new client out.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paramstack.gateway.client_address import ClientAddresses
from paramstack.gateway.schemas import error_body
from paramstack.tenancy.authenticator import Authenticator
from paramstack.tenancy.failed_auth import FailureCount, FailureStore, FailureStoreUnavailable
from paramstack.tenancy.failed_auth.metrics import FailedAuthMetrics
from paramstack.tenancy.failed_auth.tally import FailureTally
from paramstack.tenancy.settings import AuthSettings

LOG = logging.getLogger("paramstack.gateway")
UNLIMITED_PATHS = frozenset({"/healthz", "/readyz"})  # probes stay public and never count
MAX_REMEMBERED_BLOCKS = 100_000


class FailedAuthLimit:
    def __init__(
        self,
        app: ASGIApp,
        *,
        authenticator: Authenticator,
        store: FailureStore,
        settings: AuthSettings,
        metrics: FailedAuthMetrics,
        tally: FailureTally,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self._authenticator = authenticator
        self._store = store
        self._max = settings.max_failures
        self._window_ms = settings.failure_window_s * 1000
        self._addresses = ClientAddresses(settings.trusted_proxies)
        self._metrics = metrics
        self._tally = tally
        self._clock = clock
        # address -> when this replica stops refusing it: learnt from the shared counts, so a refused
        # address costs no store round trip either
        self._blocked: OrderedDict[str, float] = OrderedDict()
        self._in_flight: dict[str, int] = {}  # key digest -> requests carrying it now (counted once)
        self._warned_at = float("-inf")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        authorization = _header(scope, b"authorization")
        if self._authenticator.knows(authorization):
            await self.app(scope, receive, send)  # a valid key this replica has seen: costs nothing to check
            return
        address = self._addresses.of(scope)
        blocked_for = self._blocked_for(address)
        if blocked_for > 0:
            await self._refuse(send, address, blocked_for)
            return
        # An attempt that may cost a lookup is counted before it can; one per key at a time: requests that
        # carry a key already being read share that read (the authenticator's single flight), so a tenant's
        # burst of connections with a key this replica has not seen yet counts once, and is given back.
        digest = self._authenticator.lookup_needed(authorization)
        first = digest is not None and digest not in self._in_flight
        if digest is not None:
            self._in_flight[digest] = self._in_flight.get(digest, 0) + 1  # before any await: no double count
        try:
            await self._guarded(scope, receive, send, address, authorization, first)
        finally:
            if digest is not None:
                left = self._in_flight.pop(digest) - 1
                if left:
                    self._in_flight[digest] = left

    async def _guarded(
        self, scope: Scope, receive: Receive, send: Send, address: str, authorization: str | None, count_first: bool
    ) -> None:
        counted: FailureCount | None = None
        if count_first:
            counted = await self._hit(address)
            if counted is not None and counted.count > self._max:
                self._block(address, counted.reset_ms / 1000)
                await self._refuse(send, address, counted.reset_ms / 1000)
                return
        status = 500

        async def noting_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_send)
        finally:
            if status == 401:
                self._metrics.failures.labels("invalid_api_key" if authorization else "missing_api_key").inc()
                self._tally.add(address)
                if counted is None:  # it cost no lookup, but it is a failure all the same
                    counted = await self._hit(address)
                if counted is not None and counted.count >= self._max:
                    self._block(address, counted.reset_ms / 1000)
            elif counted is not None:
                await self._refund(address)

    def _blocked_for(self, address: str) -> float:
        until = self._blocked.get(address)
        if until is None:
            return 0.0
        left = until - self._clock()
        if left <= 0:
            del self._blocked[address]
        return left

    async def _hit(self, address: str) -> FailureCount | None:
        try:
            return await self._store.hit(address, self._window_ms)
        except FailureStoreUnavailable as error:
            self._metrics.store_unavailable.inc()
            if self._clock() - self._warned_at > 60:  # once a minute: a flood must not become a log flood
                self._warned_at = self._clock()
                LOG.warning(
                    "failed-authentication store unavailable; requests go through uncounted",
                    extra={"error": str(error)},
                )
            return None

    async def _refund(self, address: str) -> None:
        try:
            await self._store.refund(address)
        except FailureStoreUnavailable:
            self._metrics.store_unavailable.inc()

    def _block(self, address: str, seconds: float) -> None:
        self._blocked[address] = self._clock() + seconds
        self._blocked.move_to_end(address)
        while len(self._blocked) > MAX_REMEMBERED_BLOCKS:
            self._blocked.popitem(last=False)

    async def _refuse(self, send: Send, address: str, seconds: float) -> None:
        self._metrics.throttled.inc()
        self._tally.add(address)  # a refused attempt is a failed one too: the summary shows the flood's size
        retry_after = max(1, math.ceil(seconds))
        body = json.dumps(
            error_body(
                f"Too many failed authentication attempts from your address. Retry after {retry_after} seconds "
                "with a valid API key.",
                "rate_limit_error",
                None,
                "too_many_failed_authentications",
            )
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(retry_after).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None
