"""Failure counters in Redis, shared by every replica: one key per address (under the deployment's prefix),
one atomic script per operation, Redis's own clock for the window (its TTL)."""

from __future__ import annotations

from typing import Any

from paramstack.tenancy.failed_auth.base import FailureCount, FailureStoreUnavailable

HIT = """
-- KEYS[1]: the address's counter; ARGV[1]: window_ms
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then  -- a new key (INCR made it without a TTL): open its window
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""

REFUND = """
-- KEYS[1]: the address's counter. DECR keeps the key's TTL: the window still closes when it would have.
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then return redis.call('DECR', KEYS[1]) end
return 0
"""


class RedisFailureStore:
    def __init__(
        self, url: str, *, timeout_s: float = 1.0, prefix: str = "paramstack:", max_connections: int = 16
    ) -> None:
        from redis.asyncio import BlockingConnectionPool, Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=timeout_s,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            retry=Retry(NoBackoff(), 0),
        )
        self._client = Redis(connection_pool=pool)
        self._hit = self._client.register_script(HIT)
        self._refund = self._client.register_script(REFUND)
        self._prefix = prefix + "authfail:"

    async def hit(self, address: str, window_ms: int) -> FailureCount:
        count, ttl = await self._run(self._hit, address, [window_ms])
        return FailureCount(int(count), max(0, int(ttl)))

    async def refund(self, address: str) -> None:
        await self._run(self._refund, address, [])

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _run(self, script: Any, address: str, args: list[Any]) -> Any:
        from redis.exceptions import RedisError

        try:
            return await script(keys=[self._prefix + address], args=args)
        except (RedisError, OSError, TimeoutError) as error:
            raise FailureStoreUnavailable(f"Redis did not answer: {type(error).__name__}") from error
