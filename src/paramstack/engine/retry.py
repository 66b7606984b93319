"""Which upstream failures may be retried, and how long to wait between tries.

Only failures that produced no output are retried, and only those where the upstream most likely did no
work: the connection was never made, or the server said it was overloaded or unavailable (429, 502, 503,
504). A read timeout is not retried: the server may still be generating, and a retry would double the load
on an upstream that is already slow. Once a token has reached the client nothing is ever retried.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import aiohttp

RETRYABLE_STATUS = frozenset({429, 502, 503, 504})
# The connection was never made (refused, unresolvable, or not made in time): the upstream saw nothing.
RETRYABLE_ERRORS: tuple[type[Exception], ...] = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 2
    backoff_s: float = 0.2
    max_backoff_s: float = 2.0

    @property
    def attempts(self) -> int:
        return self.retries + 1

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds before try ``attempt + 1``: the server's Retry-After if sane, else jittered exponential."""
        if retry_after:
            try:
                return min(max(float(retry_after), 0.0), self.max_backoff_s)
            except ValueError:
                pass  # an HTTP date: fall back to our own schedule
        ceiling = min(self.backoff_s * (2**attempt), self.max_backoff_s)
        return random.uniform(ceiling / 2, ceiling)  # jitter: retries of many clients do not arrive together


def retryable_status(status_code: int) -> bool:
    return status_code in RETRYABLE_STATUS


def retryable_error(error: Exception) -> bool:
    return isinstance(error, RETRYABLE_ERRORS)
