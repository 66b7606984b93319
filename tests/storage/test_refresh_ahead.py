"""A value re-read from the database off the event loop, never older than its age limit."""

from __future__ import annotations

import asyncio
import functools
import logging
import threading

import pytest

from paramstack.storage.refresh_ahead import RefreshAhead


class Source:
    """What the database holds, and which threads read it."""

    def __init__(self) -> None:
        self.value = "v1"
        self.readers: list[int] = []
        self.fail = False
        self.gate: threading.Event | None = None  # set: reads wait for it

    def read(self) -> str:
        self.readers.append(threading.get_ident())
        if self.gate is not None:
            assert self.gate.wait(5)
        if self.fail:
            raise ConnectionError("database down")
        return self.value


def in_event_loop(test):
    @functools.wraps(test)
    def run(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))

    return run


@pytest.fixture
def now():
    return [100.0]


def test_without_an_event_loop_it_is_a_plain_ttl(now):
    source = Source()
    view = RefreshAhead(source.read, max_age_s=1.0, clock=lambda: now[0])
    assert view.get() == "v1"
    source.value = "v2"
    now[0] += 0.9  # past half its age, but no loop to read in: served as is
    assert view.get() == "v1" and len(source.readers) == 1
    now[0] += 0.1  # at its age limit: re-read inline
    assert view.get() == "v2" and len(source.readers) == 2


@in_event_loop
async def test_past_half_its_age_the_value_is_reread_in_a_worker_thread_while_requests_go_on(now):
    source = Source()
    view = RefreshAhead(source.read, max_age_s=1.0, clock=lambda: now[0])
    assert view.get() == "v1"
    source.value, source.gate = "v2", threading.Event()
    now[0] += 0.6
    assert view.get() == "v1"  # answered at once from memory while the read runs elsewhere
    assert view.get() == "v1"  # one read in flight, not one per request
    source.gate.set()
    for _ in range(200):
        await asyncio.sleep(0.005)
        if view.get() == "v2":
            break
    assert view.get() == "v2"
    loop_thread = threading.get_ident()
    assert len(source.readers) == 2 and source.readers[1] != loop_thread
    now[0] += 0.9  # the background read restarted the age: 0.9 s old is within the limit, no inline read
    assert view.get() == "v2"
    assert all(reader != loop_thread for reader in source.readers[1:])


@in_event_loop
async def test_a_read_that_started_before_invalidate_is_discarded(now):
    source = Source()
    view = RefreshAhead(source.read, max_age_s=1.0, clock=lambda: now[0])
    view.get()
    source.value, source.gate = "old", threading.Event()
    now[0] += 0.6
    view.get()  # starts a background read, held at the gate with "old"
    source.gate.set()
    source.gate = None
    view.invalidate()  # this process changed the data: the read in flight may predate the change
    source.value = "new"
    assert view.get() == "new"  # read inline at once
    await asyncio.sleep(0.1)  # the background read lands...
    assert view.get() == "new"  # ...and is thrown away


@in_event_loop
async def test_a_failed_background_read_keeps_the_value_until_its_age_limit(now, caplog):
    source = Source()
    view = RefreshAhead(source.read, max_age_s=1.0, clock=lambda: now[0])
    view.get()
    source.fail = True
    now[0] += 0.6
    with caplog.at_level(logging.WARNING, logger="paramstack.storage"):
        assert view.get() == "v1"
        for _ in range(100):
            await asyncio.sleep(0.005)
            if caplog.records:
                break
    assert "background re-read failed" in caplog.text
    assert view.get() == "v1"  # still within its age limit
    now[0] += 0.4
    with pytest.raises(ConnectionError):  # past it: never served stale, the caller hears the failure
        view.get()
