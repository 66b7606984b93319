"""A circuit breaker: stop sending traffic to a backend that keeps failing, probe it now and then.

closed -> (``failure_threshold`` failures in a row) -> open -> (``reset_after_s``) -> half-open: one trial
call at a time; success closes the circuit, failure opens it again for another ``reset_after_s``.
Single event loop, no locks needed; the clock is injectable so tests need not sleep.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

State = Literal["closed", "open", "half_open"]


@dataclass
class CircuitBreaker:
    failure_threshold: int = 5
    reset_after_s: float = 30.0
    clock: Callable[[], float] = time.monotonic
    _failures: int = field(default=0, init=False)
    _opened_at: float | None = field(default=None, init=False)
    _trial_in_flight: bool = field(default=False, init=False)

    @property
    def state(self) -> State:
        if self._opened_at is None:
            return "closed"
        return "half_open" if self.clock() - self._opened_at >= self.reset_after_s else "open"

    def allow(self) -> bool:
        """May a call go to the protected backend now? (Half-open lets exactly one trial through.)"""
        state = self.state
        if state == "closed":
            return True
        if state == "half_open" and not self._trial_in_flight:
            self._trial_in_flight = True
            return True
        return False

    def record_success(self) -> None:
        self._failures, self._opened_at, self._trial_in_flight = 0, None, False

    def record_failure(self) -> None:
        self._trial_in_flight = False
        self._failures += 1
        if self._opened_at is not None or self._failures >= self.failure_threshold:
            self._opened_at = self.clock()  # (re)open: a failed trial waits another full period

    def release(self) -> None:
        """A call that ended without a verdict (cancelled by the client) frees the trial slot."""
        self._trial_in_flight = False
