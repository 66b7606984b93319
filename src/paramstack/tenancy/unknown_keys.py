"""A short-lived memory of key digests the database did not know: a client that repeats a bad key (a revoked
key in a forgotten cron job, a prober) costs one query per ``ttl_s``, not one per request.

Bounded: past ``size`` entries the oldest is forgotten, so a flood of distinct random keys costs memory of at
most ``size`` digests (the failed-authentication limiter is what bounds the queries such a flood costs).
A digest cannot belong to a key created later (keys are 256 random bits), so remembering it cannot lock out
a new key; a revoked key is refused either way.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable


class UnknownKeys:
    def __init__(self, *, ttl_s: float = 30.0, size: int = 50_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl_s = ttl_s
        self._size = size
        self._clock = clock
        self._until: OrderedDict[str, float] = OrderedDict()  # digest -> forgotten at

    def __contains__(self, digest: str) -> bool:
        until = self._until.get(digest)
        if until is None:
            return False
        if until <= self._clock():
            self._until.pop(digest, None)
            return False
        return True

    def add(self, digest: str) -> None:
        if self._ttl_s <= 0:
            return
        self._until[digest] = self._clock() + self._ttl_s
        self._until.move_to_end(digest)
        while len(self._until) > self._size:
            self._until.popitem(last=False)

    def clear(self) -> None:
        self._until.clear()

    def __len__(self) -> int:
        return len(self._until)
