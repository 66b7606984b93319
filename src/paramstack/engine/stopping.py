"""Stop strings over a stream of text deltas: cut at the first stop, never leak part of one.

Generated text arrives a few characters at a time, so a stop string can be split across tokens
("<|us" + "er|>"). Text that could still turn into a stop string is held back until the next delta
proves it is not one; the stop string itself is never returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class StopCheck:
    """What may be shown now, and whether a stop string ended the text."""

    text: str
    stopped: bool


class StopStringBuffer:
    """Feed deltas with ``push``; show ``StopCheck.text``; call ``flush`` when generation ends."""

    def __init__(self, stops: Sequence[str]) -> None:
        # Empty strings would match everywhere; the gateway should reject them, here they are ignored.
        self._stops = tuple(s for s in stops if s)
        self._held = ""
        self._stopped = False
        self.matched: str | None = None  # the stop string that ended the text

    @property
    def stopped(self) -> bool:
        return self._stopped

    def push(self, delta: str) -> StopCheck:
        if self._stopped:
            return StopCheck("", True)
        if not self._stops:
            return StopCheck(delta, False)
        text = self._held + delta
        # Invariant: text shown so far never ends with the start of a stop string, so any stop
        # string that can still appear starts inside ``text``.
        cut = self._first_stop(text)
        if cut is not None:
            self._held = ""
            self._stopped = True
            return StopCheck(text[:cut], True)
        keep = self._longest_stop_prefix_suffix(text)
        self._held = text[len(text) - keep :] if keep else ""
        return StopCheck(text[: len(text) - keep], False)

    def flush(self) -> str:
        """The held-back text, once no more text will come (it did not become a stop string)."""
        held, self._held = ("" if self._stopped else self._held), ""
        return held

    def _first_stop(self, text: str) -> int | None:
        found = min(((i, s) for s in self._stops if (i := text.find(s)) >= 0), default=None)
        if found is None:
            return None
        self.matched = found[1]
        return found[0]

    def _longest_stop_prefix_suffix(self, text: str) -> int:
        """Length of the longest end of ``text`` that is the beginning of some stop string."""
        best = 0
        for stop in self._stops:
            for size in range(min(len(stop) - 1, len(text)), best, -1):
                if text.endswith(stop[:size]):
                    best = size
                    break
        return best
