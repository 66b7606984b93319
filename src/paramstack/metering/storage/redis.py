"""The Redis store: limits shared by every replica, exact, one round trip per admission.

Both scripts (``redis_scripts.py``) run atomically on Redis's clock. Failure modes, and why they are safe:
- Redis unreachable or a call timing out: ``StoreUnavailable``; the admission controller fails closed
  (503) unless configured to fail open.
- The connection dropping after the script ran but before its reply arrived: the call is refused, and
  the controller settles it with zero tokens (idempotent) to return what the script reserved. Until that
  succeeds the reservation only makes the tenant's balance *smaller*: never negative, never an
  uncounted success. The rate-limit entry stays counted (it errs toward the limit).
Client-side retries are off: a blind retry of ``ADMIT`` would admit twice.
"""

from __future__ import annotations

import logging
from typing import Any

from paramstack.metering.plan import AdmissionPlan
from paramstack.metering.storage.base import (
    DAY_MS,
    CapState,
    Decision,
    QuotaState,
    Receipt,
    StoreUnavailable,
    WindowState,
)
from paramstack.metering.storage.redis_scripts import ADMIT, SETTLE

LOG = logging.getLogger("paramstack.metering")
DEFAULT_PREFIX = "paramstack:"
POOL_WAIT_S = 5.0


class RedisStore:
    def __init__(
        self, url: str, *, timeout_s: float = 1.0, prefix: str = DEFAULT_PREFIX, max_connections: int = 64
    ) -> None:
        from redis.asyncio import BlockingConnectionPool, Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        # Calls beyond `max_connections` queue for a connection (local back-pressure, not an outage);
        # each call holds one for at most `timeout_s`, so the wait is bounded.
        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=POOL_WAIT_S,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            retry=Retry(NoBackoff(), 0),
        )
        self._client = Redis(connection_pool=pool)
        self._admit = self._client.register_script(ADMIT)
        self._settle = self._client.register_script(SETTLE)
        self._prefix = prefix
        self.url = url

    async def admit(self, plan: AdmissionPlan) -> Decision:
        args: list[Any] = [
            plan.request_id,
            len(plan.windows),
            len(plan.caps),
            len(plan.quotas),
            plan.tokens,
            plan.lease_ms,
        ]
        for window in plan.windows:
            args += [window.limit, window.window_ms]
        args += [c.limit for c in plan.caps] + [q.limit for q in plan.quotas]
        raw = await self._run(self._admit, [self._prefix + c.key for c in plan.checks], args)
        values = [int(v) for v in raw]
        admitted, now, day = values[0] == 1, values[1], values[2]
        at = 3
        windows = []
        for _ in plan.windows:
            windows.append(WindowState(*values[at : at + 3]))
            at += 3
        caps = [CapState(v) for v in values[at : at + len(plan.caps)]]
        at += len(plan.caps)
        quotas = [QuotaState(values[i], values[i + 1]) for i in range(at, at + 2 * len(plan.quotas), 2)]
        return Decision(admitted, now, day, tuple(windows), tuple(caps), tuple(quotas))

    async def settle(self, receipt: Receipt, tokens: int, *, charge_unreserved: bool = False) -> tuple[QuotaState, ...]:
        keys = [self._prefix + k for k in receipt.cap_keys]
        keys += [f"{self._prefix}{k}:{receipt.day}" for k in receipt.quota_keys]
        expire_at = (receipt.day + 2) * DAY_MS // 1000
        raw = await self._run(
            self._settle,
            keys,
            [receipt.request_id, len(receipt.cap_keys), max(0, tokens), 1 if charge_unreserved else 0, expire_at],
        )
        values = [int(v) for v in raw]
        return tuple(QuotaState(values[i], values[i + 1]) for i in range(0, len(values), 2))

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _run(self, script: Any, keys: list[str], args: list[Any]) -> list[Any]:
        from redis.exceptions import RedisError

        try:
            return list(await script(keys=keys, args=args))
        except (RedisError, OSError, TimeoutError) as error:
            raise StoreUnavailable(
                f"Redis at {self._safe_url()} did not answer: {type(error).__name__}: {error}"
            ) from error

    def _safe_url(self) -> str:
        head, sep, tail = self.url.partition("@")
        return f"{head.split('://')[0]}://***@{tail}" if sep else self.url
