"""Failed authentications per source address since the last summary (what the periodic audit entry records).

Bounded: at most ``max_addresses`` addresses are told apart in one interval; the rest are counted together
under ``"other"``, so a flood from many addresses costs fixed memory.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

OTHER = "other"


@dataclass(frozen=True)
class FailureInterval:
    started: float  # wall clock (seconds since the epoch)
    ended: float
    by_address: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_address.values())


class FailureTally:
    def __init__(self, *, max_addresses: int = 10_000, wall_clock: Callable[[], float] = time.time) -> None:
        self._max = max_addresses
        self._wall_clock = wall_clock
        self._counts: Counter[str] = Counter()
        self._started = wall_clock()

    def add(self, address: str) -> None:
        if address in self._counts or len(self._counts) < self._max:
            self._counts[address] += 1
        else:
            self._counts[OTHER] += 1

    def drain(self) -> FailureInterval:
        """The interval since the last drain, and start a new one."""
        now = self._wall_clock()
        interval = FailureInterval(self._started, now, dict(self._counts))
        self._counts, self._started = Counter(), now
        return interval
