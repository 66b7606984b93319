"""One Hyperscan scan per folded text says which of the guard's patterns could match it.

The jailbreak, injection and toxicity checks hold some sixty large regular expressions. Run one by one
with CPython's ``re`` over a 2 KB prompt they cost most of the guard's time, although almost every text
matches none of them. Here all of them are compiled into one Hyperscan database, each rewritten to accept
a superset of its matches (``prefilter_syntax.py``); a scan of the folded text (tens of microseconds,
shared by every check through ``NormalizedText.shared``) yields the patterns that *may* match, and only
those run in ``re``, which still decides. A verdict therefore never changes, only its cost: a pattern
that could not be rewritten, or a text that is not ASCII after folding, simply takes the old path
(every pattern runs, behind its keyword gate).

Compiling the database takes a second or two, so it is compiled once per set of patterns and cached on
disk (``PARAMSTACK_CACHE_DIR``, else ``$XDG_CACHE_HOME/paramstack``, else ``~/.cache/paramstack``), keyed
by the rewritten expressions and the Hyperscan version; a cache that cannot be read or written is
recompiled, never trusted blindly.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import threading
from collections.abc import Iterable, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any, Generic, TypeVar

import hyperscan

from paramstack.guard.normalize import NormalizedText
from paramstack.guard.prefilter_syntax import Unrewritable, hyperscan_expression

LOG = logging.getLogger(__name__)
_Entry = TypeVar("_Entry", bound=tuple[Any, ...])
_FLAGS = hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_ALLOWEMPTY


def default_cache_dir() -> Path:
    configured = os.environ.get("PARAMSTACK_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "paramstack"


class Prefilter:
    """Which of its patterns could match a folded text (a pattern it does not hold always could)."""

    def __init__(self, patterns: Iterable[re.Pattern[str]], cache_dir: Path | None = None) -> None:
        expressions: dict[re.Pattern[str], str] = {}
        for pattern in patterns:
            try:
                expressions.setdefault(pattern, hyperscan_expression(pattern))
            except Unrewritable as why:
                LOG.debug("pattern not prefiltered (%s): %.80s", why, pattern.pattern)
        self.patterns = tuple(expressions)  # the prefiltered ones; a pattern's id is its index here
        self._ids = {pattern: index for index, pattern in enumerate(expressions)}
        self._database: hyperscan.Database | None = None
        if expressions:
            try:
                self._database = _database(list(expressions.values()), cache_dir)
            except hyperscan.error as error:  # a rewrite Hyperscan refuses: every pattern runs, as before
                LOG.warning("guard prefilter not compiled, the patterns run unfiltered: %s", error)
        self._scratch = threading.local()  # a scan releases the GIL: one scratch space per thread

    def selection(self, entries: Sequence[_Entry]) -> Selection[_Entry]:
        """A scanner's entries ``(kind, pattern, ...)``, to be narrowed per text by ``Selection.of``."""
        return Selection(self, entries, tuple(self._ids.get(entry[1]) for entry in entries))

    def candidates(self, folded: NormalizedText) -> frozenset[int] | None:
        """The ids of the patterns that could match ``folded`` (None: any could); one scan per text."""
        if self not in folded.shared:
            folded.shared[self] = self._scan(folded.text)
        found: frozenset[int] | None = folded.shared[self]
        return found

    def _scan(self, text: str) -> frozenset[int] | None:
        if self._database is None or not text.isascii():
            return None
        scratch = getattr(self._scratch, "space", None)
        if scratch is None:
            scratch = self._scratch.space = hyperscan.Scratch(self._database)
        found: set[int] = set()
        self._database.scan(
            text.encode("ascii"), match_event_handler=lambda index, *_: found.add(index), scratch=scratch
        )
        return frozenset(found)


class Selection(Generic[_Entry]):
    def __init__(self, prefilter: Prefilter, entries: Sequence[_Entry], ids: tuple[int | None, ...]) -> None:
        self._prefilter = prefilter
        self._entries = entries
        self._ids = ids
        self._always = [entry for entry, index in zip(entries, ids, strict=True) if index is None]

    def of(self, folded: NormalizedText) -> Sequence[_Entry]:
        """The entries whose pattern could match ``folded``, in order (those not prefiltered always)."""
        candidates = self._prefilter.candidates(folded)
        if candidates is None:
            return self._entries
        if not candidates:
            return self._always
        return [
            entry for entry, index in zip(self._entries, self._ids, strict=True) if index is None or index in candidates
        ]


def _database(expressions: list[str], cache_dir: Path | None) -> hyperscan.Database:
    key = hashlib.sha256("\0".join([version("hyperscan"), str(_FLAGS), *expressions]).encode()).hexdigest()
    path = (cache_dir or default_cache_dir()) / "guard-prefilter" / f"{key[:32]}.hsdb"
    try:
        return hyperscan.loadb(path.read_bytes(), hyperscan.HS_MODE_BLOCK)
    except (OSError, ValueError, hyperscan.error):
        pass  # not cached yet, or by another Hyperscan build: compile
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    database.compile(
        expressions=[e.encode("ascii") for e in expressions],
        ids=list(range(len(expressions))),
        elements=len(expressions),
        flags=_FLAGS,
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
            handle.write(hyperscan.dumpb(database))
        os.replace(handle.name, path)
    except OSError as error:
        LOG.debug("guard prefilter not cached at %s: %s", path, error)
    return database
