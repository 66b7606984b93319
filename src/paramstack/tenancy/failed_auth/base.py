"""The contract of a failed-authentication counter store (``tests/tenancy/test_failure_store_contract.py`` runs
one suite over every store).

A fixed window per address: the first attempt opens it for ``window_ms``; the count only grows inside it.
An attempt is counted *before* its key is looked up (``hit``) and given back when the key turns out valid
(``refund``), so the number of lookups an address can cause per window is exact across replicas, however
many requests it sends at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class FailureStoreUnavailable(Exception):
    """The store could not answer (Redis down or slow): the gateway lets the request through, uncounted."""


@dataclass(frozen=True)
class FailureCount:
    count: int  # attempts counted in the address's window, this one included
    reset_ms: int  # until the window closes (the count starts again from zero)


class FailureStore(Protocol):
    async def hit(self, address: str, window_ms: int) -> FailureCount:
        """Count one attempt of ``address`` (atomically; opening its window if none is open)."""
        ...

    async def refund(self, address: str) -> None:
        """Give back one attempt of ``address`` (its key was valid after all); never below zero."""
        ...

    async def aclose(self) -> None: ...
