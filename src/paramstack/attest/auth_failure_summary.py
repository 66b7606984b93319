"""Failed authentications in the audit chain: one summary entry per interval, never one per request.

Anyone can send unauthenticated requests, so chaining each would let anyone flood the tamper-evident log (and
its lock). Instead every ``interval_s`` a replica appends one entry of kind ``auth_failures`` holding the
failures per source address of the interval, then signs a checkpoint over it, so the summary is signed as
soon as it exists. An interval without failures writes nothing.

The entry uses the audit row's fields as follows: ``status`` = ``auth_failures``, ``http_status`` = 401,
``org_id`` and ``model`` = ``-``, ``request_id`` = ``auth-failures:<replica>:<interval start, us>``,
``latency_ms`` = the interval's length, the timestamp = its end, and the counts map (``guard``, which holds
counts and never text) = failures per address, the busiest 63 addresses and ``other`` for the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from datetime import UTC, datetime

import sqlalchemy as sa

from paramstack.attest.audit import AuditEntry, AuditLog
from paramstack.attest.errors import SigningKeyUnavailable
from paramstack.errors import ParamstackError
from paramstack.tenancy.failed_auth.tally import OTHER, FailureInterval, FailureTally

LOG = logging.getLogger("paramstack.attest")
AUTH_FAILURES = "auth_failures"
MAX_ADDRESSES = 63  # the counts map holds 64 entries; the last is "other"


def summary_entry(interval: FailureInterval, replica: str) -> AuditEntry:
    ranked = sorted(((a, n) for a, n in interval.by_address.items() if a != OTHER), key=lambda item: -item[1])
    counts = dict(ranked[:MAX_ADDRESSES])
    rest = sum(n for _, n in ranked[MAX_ADDRESSES:]) + interval.by_address.get(OTHER, 0)
    if rest:
        counts[OTHER] = rest
    started_us = int(interval.started * 1_000_000)
    return AuditEntry(
        request_id=f"auth-failures:{replica}:{started_us}"[:128],
        org_id="-",
        model="-",
        status=AUTH_FAILURES,
        http_status=401,
        latency_ms=max(0, int((interval.ended - interval.started) * 1000)),
        guard=counts,
        timestamp=datetime.fromtimestamp(interval.ended, UTC),
    )


def replica_name() -> str:
    return f"{socket.gethostname()[:64]}-{os.getpid()}"


class FailureSummaries:
    """The periodic writer (``run`` is a task of the gateway's lifespan; ``flush`` also runs at shutdown)."""

    def __init__(self, log: AuditLog, tally: FailureTally, *, interval_s: float, replica: str | None = None) -> None:
        self._log = log
        self._tally = tally
        self._interval_s = interval_s
        self._replica = replica or replica_name()

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            await self.flush()

    async def flush(self) -> None:
        interval = self._tally.drain()
        if not interval.total:
            return
        try:
            await asyncio.to_thread(self._append, summary_entry(interval, self._replica))
        except (ParamstackError, OSError, sa.exc.SQLAlchemyError) as error:  # the metric still has the counts
            LOG.error("could not append the failed-authentication summary", extra={"error": str(error)})

    def _append(self, entry: AuditEntry) -> None:
        self._log.append(entry)
        with contextlib.suppress(SigningKeyUnavailable):  # no signing key: the entry is still hash-chained
            self._log.checkpoint()
