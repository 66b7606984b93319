"""The gateway's side of a canary: which adapter version one end user gets, sticky, from shared state.

A running rollout (``deploy/canary_store.py``, written by the controller) says: tenant T's adapter A runs
``stable_version`` and ``canary_version`` with ``weight`` percent of end users on the canary. An end user is
a bucket 0..99 from SHA-256 of (rollout id, sticky key); the key is the request's ``user`` field or the API
key (``sticky.py``). Buckets below the weight get the canary. Consequences a user notices:

- the same user sees the same version for the whole step, not a coin flip per request;
- stepping 10 -> 50 -> 100 only *adds* users to the canary (bucket < 10 implies bucket < 50);
- a rollback (weight 0) sends everyone to stable at the next refresh of this replica's view.

The view is never older than ``refresh_s`` and is re-read in the background while traffic flows
(``storage/refresh_ahead.py``); if the store cannot be read the last good view is kept, and with none,
everyone gets the stable version: a broken control plane never takes traffic off the stable version.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from paramstack.storage.refresh_ahead import RefreshAhead

LOG = logging.getLogger("paramstack.engine.canary")
Role = Literal["stable", "canary"]


@dataclass(frozen=True)
class ActiveRollout:
    rollout_id: int
    org_id: str
    adapter: str
    stable_version: str
    canary_version: str
    weight: int
    mode: str  # "gateway": this gateway splits; "kserve": KServe splits, the gateway does not
    stable_path: str | None = None  # the registered adapter directories (loaded before first use)
    canary_path: str | None = None


@dataclass(frozen=True)
class Assignment:
    adapter: str
    version: str
    role: Role
    rollout_id: int
    path: str | None = None


class RolloutSource(Protocol):
    def running(self) -> Sequence[ActiveRollout]:
        """The rollouts in progress (raises on a store failure)."""
        ...


def bucket(rollout_id: int, sticky_key: str) -> int:
    """0..99, stable for a (rollout, user) pair; salted by the rollout so each rollout picks other users."""
    digest = hashlib.sha256(f"{rollout_id}:{sticky_key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100


class CanarySplit:
    def __init__(
        self, source: RolloutSource, *, refresh_s: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._source = source
        self._last_good: dict[tuple[str, str], ActiveRollout] = {}
        self._view = RefreshAhead(self._read, max_age_s=refresh_s, clock=clock)

    def assign(self, org_id: str, adapter: str, sticky_key: str) -> Assignment | None:
        """The version for this user, or None when no gateway-split rollout covers (tenant, adapter)."""
        rollout = self._current().get((org_id, adapter))
        if rollout is None or rollout.mode != "gateway":
            return None
        if bucket(rollout.rollout_id, sticky_key) < rollout.weight:
            return Assignment(adapter, rollout.canary_version, "canary", rollout.rollout_id, rollout.canary_path)
        return Assignment(adapter, rollout.stable_version, "stable", rollout.rollout_id, rollout.stable_path)

    def rollout(self, org_id: str, adapter: str) -> ActiveRollout | None:
        return self._current().get((org_id, adapter))

    def invalidate(self) -> None:
        """Re-read at the next request (after this process changed a rollout itself)."""
        self._view.invalidate()

    def _current(self) -> dict[tuple[str, str], ActiveRollout]:
        return self._view.get()

    def _read(self) -> dict[tuple[str, str], ActiveRollout]:
        try:
            self._last_good = {(r.org_id, r.adapter): r for r in self._source.running()}
        except Exception as error:  # noqa: BLE001 - any store failure: keep serving with the last good view
            LOG.warning("cannot read canary rollouts; keeping the last view", extra={"error": type(error).__name__})
        return self._last_good
