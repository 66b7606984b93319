"""Writing the usage ledger: every call's row is committed before its response's last bytes are sent.

Group commit: settles that arrive together share one transaction (one INSERT of many rows), and each
waits for *its* commit; under load the database sees hundreds of rows per round trip instead of one
transaction per call, with the same guarantee. Rows are inserted with ON CONFLICT (request_id) DO NOTHING,
so a write retried after an unclear failure (a lost commit acknowledgement) never counts a call twice.
A write that keeps failing raises ``ServiceUnavailable``: the call fails rather than succeed uncounted.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from paramstack.errors import ServiceUnavailable
from paramstack.metering.tables import usage_ledger
from paramstack.storage.writer import DatabaseWriter

LOG = logging.getLogger("paramstack.metering")
RETRY_DELAYS_S = (0.05, 0.2, 0.5)


@dataclass(frozen=True)
class UsageRecord:
    request_id: str
    org_id: str
    key_id: str
    model: str
    adapter: str | None
    usage_day: date
    admitted_at: datetime
    settled_at: datetime
    prompt_tokens: int
    completion_tokens: int
    cost_micros: int
    currency: str
    input_per_1k_micros: int
    output_per_1k_micros: int
    delivered: bool


class UsageLedger:
    def __init__(self, database: Engine, *, max_batch: int = 512, writer: DatabaseWriter | None = None) -> None:
        self._database = database
        self._writer_thread = writer or DatabaseWriter("usage-ledger")
        self._max_batch = max_batch
        self._insert = _insert_ignoring_duplicates(database)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[tuple[UsageRecord, asyncio.Future[None]]] | None = None
        self._writer: asyncio.Task[None] | None = None

    async def record(self, record: UsageRecord) -> None:
        """Return once ``record`` is committed (or was already); raise ServiceUnavailable if it cannot be."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._queue is None:  # first use, or a new event loop (tests)
            self._loop, self._queue, self._writer = loop, asyncio.Queue(), None
        done: asyncio.Future[None] = loop.create_future()
        self._queue.put_nowait((record, done))
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._drain(self._queue), name="usage-ledger-writer")
        await done

    def write(self, records: list[UsageRecord]) -> None:
        """Insert ``records`` in one transaction, retrying transient failures (blocking; see ``record``)."""
        rows = [dict(vars(r)) for r in records]  # not asdict(): its deep copies cost more than the insert
        for attempt, delay in enumerate((*RETRY_DELAYS_S, None)):
            try:
                with self._database.begin() as connection:
                    connection.execute(self._insert, rows)
                return
            except sa.exc.DBAPIError as error:
                if delay is None or not _transient(error):
                    raise
                LOG.warning("usage ledger write failed, retrying",
                            extra={"attempt": attempt + 1, "rows": len(rows), "error": type(error).__name__})
                time.sleep(delay)

    async def _drain(self, queue: asyncio.Queue[tuple[UsageRecord, asyncio.Future[None]]]) -> None:
        # Ends when the queue is empty (record() starts a new one): no idle task to stop at shutdown.
        while not queue.empty():
            batch = [queue.get_nowait() for _ in range(min(queue.qsize(), self._max_batch))]
            try:
                await self._writer_thread.run(self.write, [record for record, _ in batch])
            except Exception as error:  # every waiter must hear about any failure
                LOG.error("usage ledger write failed", extra={"rows": len(batch), "error": repr(error)})
                failure = ServiceUnavailable("The usage ledger could not be written, so this response was not "
                                             "delivered; please retry.", code="usage_ledger_unavailable")
                for _, done in batch:
                    if not done.done():
                        done.set_exception(failure)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)


def _insert_ignoring_duplicates(database: Engine) -> sa.Insert:
    dialect = database.dialect.name
    if dialect == "postgresql":
        return postgresql.insert(usage_ledger).on_conflict_do_nothing(index_elements=["request_id"])
    if dialect == "sqlite":
        return sqlite.insert(usage_ledger).on_conflict_do_nothing(index_elements=["request_id"])
    raise ValueError(f"usage ledger: unsupported database {dialect!r}")


def _transient(error: sa.exc.DBAPIError) -> bool:
    # Lost connections, serialization failures, a locked SQLite file: worth another try. A constraint
    # or schema error is a bug and would fail the same way again.
    return error.connection_invalidated or isinstance(error, sa.exc.OperationalError)
