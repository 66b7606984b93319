"""Group commit for the request path's writes: the usage ledger's rows and the audit chain's entries.

Every write queued while the previous transaction ran goes into the next one: one thread, one transaction,
one commit for all of them, and each waiter wakes when *its* write is committed. A call's ledger row and
its audit entry, submitted together, commit together: one round trip to the writer thread and one commit
(one fsync on PostgreSQL) instead of two in a row, and under load hundreds of rows share a transaction.

One thread, because SQLite lets one writer in at a time: two threads committing together make one of them
wait in SQLite's busy handler, which sleeps 1, 2, 5, 10... ms before it looks again.

The writer thread keeps one connection for its transactions: no pool checkout and no liveness ping per
transaction (a round trip to PostgreSQL each). A connection that fails is dropped, and the retry below
opens a new one.

A failure inside the transaction (before COMMIT) rolls everything back and is retried when it is
transient (a lost connection, a locked file, a serialization failure). A failure *of* the COMMIT (the
acknowledgement lost with the connection) leaves it unknown whether the data was written. The retry then
first asks, inside its own transaction, whether that write landed: the audit chain can tell exactly (is its
entry hash stored at its sequence number?), the ledger need not (a row written twice is one row). If it
landed, the waiters are told so and nothing is written again; if not, the whole transaction is written
again. So an unanswered COMMIT neither doubles a row nor fails a call whose rows are stored.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Hashable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

LOG = logging.getLogger("paramstack.storage")
RETRY_DELAYS_S = (0.05, 0.2, 0.5)


class WritePart(Hashable, Protocol):
    """One kind of row a transaction can carry (the ledger's, the audit chain's)."""

    def write_batch(self, connection: Connection, items: list[Any]) -> Any:
        """Write ``items`` inside the open transaction (no commit: the writer commits). Returns what
        ``landed`` needs to recognise this write later."""
        ...

    def landed(self, connection: Connection, written: Any) -> bool | None:
        """Inside a new transaction, after a COMMIT whose outcome is unknown: did the write that returned
        ``written`` commit? None: this part cannot tell, and writing its items again is harmless."""
        ...


class DatabaseWriter:
    def __init__(self, database: Engine, *, max_batch: int = 512, name: str = "db-writer") -> None:
        self._database = database
        self._max_batch = max_batch
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._connection: Connection | None = None  # used on the writer thread only
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: list[tuple[WritePart, Any, asyncio.Future[None]]] = []
        self._draining: asyncio.Task[None] | None = None

    async def write(self, part: WritePart, item: Any) -> None:
        """Return once ``item`` is committed; raise what made its transaction fail."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # first use, or a new event loop (tests)
            self._loop, self._pending, self._draining = loop, [], None
        done: asyncio.Future[None] = loop.create_future()
        self._pending.append((part, item, done))
        if self._draining is None or self._draining.done():
            self._draining = loop.create_task(self._drain(), name="db-writer")
        await done

    def close(self) -> None:
        self._executor.submit(self._drop_connection)
        self._executor.shutdown(wait=True)

    async def _drain(self) -> None:
        # Ends when nothing is pending (write() starts a new one): no idle task to stop at shutdown.
        loop = asyncio.get_running_loop()
        while self._pending:
            batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
            groups: dict[WritePart, list[Any]] = {}
            for part, item, _ in batch:
                groups.setdefault(part, []).append(item)
            try:
                await loop.run_in_executor(self._executor, self._commit, groups)
            except Exception as error:  # every waiter must hear about any failure
                LOG.error("database write failed", extra={"rows": len(batch), "error": repr(error)})
                for _, _, done in batch:
                    if not done.done():
                        done.set_exception(error)
            else:
                for _, _, done in batch:
                    if not done.done():
                        done.set_result(None)

    def _commit(self, groups: dict[WritePart, list[Any]]) -> None:
        """One transaction for every part's items (on the writer thread), retried as the module says."""
        unanswered: dict[WritePart, Any] | None = None  # what an attempt whose COMMIT went unanswered wrote
        for attempt, delay in enumerate((*RETRY_DELAYS_S, None)):
            written: dict[WritePart, Any] = {}
            committing = False
            try:
                if self._connection is None:
                    self._connection = self._database.connect()
                with self._connection.begin():  # commits at the end of the block, rolls back on an error
                    if unanswered is not None and _landed(self._connection, unanswered):
                        return
                    unanswered = None
                    for part, items in groups.items():
                        written[part] = part.write_batch(self._connection, items)
                    committing = True
                return
            except Exception as error:
                self._drop_connection()  # it may be broken: the next attempt (or write) opens a fresh one
                if committing:
                    unanswered = written
                if not isinstance(error, sa.exc.DBAPIError) or delay is None or not _transient(error):
                    raise
                LOG.warning(
                    "database write failed, retrying",
                    extra={"attempt": attempt + 1, "error": type(error).__name__, "unanswered": committing},
                )
                time.sleep(delay)

    def _drop_connection(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                connection.close()
            except sa.exc.SQLAlchemyError:
                LOG.debug("closing a failed connection failed too", exc_info=True)


def _landed(connection: Connection, written: dict[WritePart, Any]) -> bool:
    # One transaction: if any part can tell that its write is stored, all of it is.
    return any(part.landed(connection, receipt) for part, receipt in written.items())


def _transient(error: sa.exc.DBAPIError) -> bool:
    # Lost connections, serialization failures, a locked SQLite file: worth another try. A constraint
    # or schema error is a bug and would fail the same way again.
    return error.connection_invalidated or isinstance(error, sa.exc.OperationalError)
