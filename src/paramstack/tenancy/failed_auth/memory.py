"""In-process failure counters (the default, one replica). ``hit`` and ``refund`` never await, so each is
atomic under asyncio. Memory is bounded: windows all last the same time, so the oldest-opened window is
the first to close, and closed ones are dropped from the front; past ``max_addresses`` the oldest goes."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from paramstack.tenancy.failed_auth.base import FailureCount


class MemoryFailureStore:
    def __init__(self, *, clock: Callable[[], float] = time.monotonic, max_addresses: int = 100_000) -> None:
        self._clock = clock
        self._max = max_addresses
        self._windows: OrderedDict[str, list[int]] = OrderedDict()  # address -> [count, closes_at_ms]

    async def hit(self, address: str, window_ms: int) -> FailureCount:
        now = int(self._clock() * 1000)
        self._forget_closed(now)
        window = self._windows.get(address)
        if window is None or window[1] <= now:
            self._windows.pop(address, None)
            window = self._windows[address] = [0, now + window_ms]
            while len(self._windows) > self._max:
                self._windows.popitem(last=False)
        window[0] += 1
        return FailureCount(window[0], window[1] - now)

    async def refund(self, address: str) -> None:
        window = self._windows.get(address)
        if window is not None and window[0] > 0:
            window[0] -= 1

    async def aclose(self) -> None:
        return None

    def _forget_closed(self, now: int) -> None:
        while self._windows:
            address, window = next(iter(self._windows.items()))
            if window[1] > now:
                return
            del self._windows[address]
