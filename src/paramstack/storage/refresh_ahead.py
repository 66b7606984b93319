"""A value read from the database, served from memory, never older than ``max_age_s``: without a query on
the event loop while traffic flows.

The gateway keeps a few such views (an API key's caller, the running canaries, the adapter channels). A
plain TTL re-reads inline when the value expires, so every ``max_age_s`` one request waits for a query,
on the event loop, stalling every other request of the process for as long as the database takes.
Here, once the value is past half its age limit, the next use starts the re-read in a worker thread and
goes on with the current value; when the read lands (back on the loop), it replaces the value. Only a value
past ``max_age_s`` (no traffic for a while, no event loop, or a read slower than half the limit) is re-read
inline. So the staleness bound is exactly the plain TTL's, and under steady traffic no request waits.

``invalidate()`` (after this process changed the data itself) forces an inline re-read at the next use, and
a background read that started before it is discarded when it lands: it may predate the change.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Generic, TypeVar

Value = TypeVar("Value")
LOG = logging.getLogger("paramstack.storage")


class RefreshAhead(Generic[Value]):
    def __init__(
        self, load: Callable[[], Value], *, max_age_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """``load`` reads the value (blocking; it runs in a worker thread when it can). If it raises, an
        inline read raises to the caller; a background read leaves the value as it was, to be re-read
        inline once it is too old."""
        self._load = load
        self._max_age_s = max_age_s
        self._clock = clock
        self._value: Value  # set by the first get(): it reads inline while _read_at is -inf
        self._read_at = float("-inf")
        self._generation = 0  # bumped by invalidate(): a read started before it is stale on arrival
        self._refreshing = False

    def get(self) -> Value:
        age = self._clock() - self._read_at
        if age >= self._max_age_s:
            return self.reload()
        if age >= self._max_age_s / 2 and not self._refreshing:
            self._refresh_in_background()
        return self._value

    def get_if_fresh(self) -> tuple[bool, Value | None]:
        """``(True, value)`` while the value is younger than ``max_age_s`` (starting the background re-read
        past half its age, like ``get``); ``(False, None)`` when it must be re-read first. For async callers
        that do that re-read in a worker thread rather than inline on the event loop."""
        age = self._clock() - self._read_at
        if age >= self._max_age_s:
            return False, None
        if age >= self._max_age_s / 2 and not self._refreshing:
            self._refresh_in_background()
        return True, self._value

    def reload(self) -> Value:
        """Read now, inline."""
        started = self._clock()
        value = self._load()
        self._value, self._read_at = value, started
        return value

    def invalidate(self) -> None:
        self._generation += 1
        self._read_at = float("-inf")

    def _refresh_in_background(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no event loop in this thread: nothing to stall, the inline read will do at max age
        self._refreshing = True
        generation, started = self._generation, self._clock()
        reading = loop.run_in_executor(None, self._load)

        def landed(done: asyncio.Future[Value]) -> None:
            self._refreshing = False
            if done.cancelled():
                return
            if done.exception() is not None:
                LOG.warning(
                    "background re-read failed; the value is re-read inline at its age limit",
                    extra={"error": type(done.exception()).__name__},
                )
                return
            if generation == self._generation and started > self._read_at:
                self._value, self._read_at = done.result(), started

        reading.add_done_callback(landed)
