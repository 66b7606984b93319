"""One thread for the writes of the request path (the usage ledger's and the audit chain's group commits).

SQLite lets one writer in at a time: two threads committing together make one of them wait in SQLite's
busy handler, which sleeps 1, 2, 5, 10... ms before it looks again; those sleeps were the gateway's worst
latencies. Writes funnelled through one thread queue in order instead, and never sleep. PostgreSQL takes
the same path: each batch is one round trip, and group commit keeps batches few.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

Result = TypeVar("Result")


class DatabaseWriter:
    def __init__(self, name: str = "db-writer") -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    async def run(self, write: Callable[..., Result], *args: object) -> Result:
        """``write(*args)`` on the writer thread, after every write submitted before it."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, write, *args)

    def close(self) -> None:
        self._executor.shutdown(wait=True)
