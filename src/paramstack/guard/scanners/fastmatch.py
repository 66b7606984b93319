"""Cheap gates in front of the patterns: most texts never need most patterns run.

A pattern over 2 KB costs 0.05-0.5 ms in CPython's ``re`` (its branches start with ``\\b``, which defeats the
engine's first-character skip). A ``Gate`` says which words a match cannot do without, and the pattern
runs only when the text has them. The test is on *word starts*, not substrings: every word of the folded
text contributes its prefixes of 2-7 letters to one set, built once per text and shared by all checks, so
"drop" does not open a gate for "dropbox"-free prose that merely contains "raindrop", and Turkish stems
("unut" for "unutun", "talimat" for "talimatları") work as keywords. A keyword of three letters or fewer
must be a whole word ("ai" is not "aim", "dan" is not "dans"). A keyword with a character other than a
letter or digit (".", "[", "+", "will now") is looked up as a substring instead.

A gate is a list of groups: every group must have a keyword in the text (an AND of ORs), e.g. an override
needs a verb ("ignore", "skip") AND an instruction noun ("rules", "prompt").
"""

from __future__ import annotations

from paramstack.guard.normalize import NormalizedText

_LONGEST_PREFIX = 7


_SHORTEST_PREFIX = 4  # shorter keywords match whole words only


def word_prefixes(folded: NormalizedText) -> frozenset[str]:
    """Every word of up to three letters, and every 4-7 letter prefix of every word (cached on the text)."""
    cached = folded.shared.get("word_prefixes")
    if cached is None:
        prefixes: set[str] = set()
        for word in folded.words:
            if len(word) < _SHORTEST_PREFIX:
                prefixes.add(word)
            else:
                prefixes.update(word[:n] for n in range(_SHORTEST_PREFIX, min(len(word), _LONGEST_PREFIX) + 1))
        cached = folded.shared["word_prefixes"] = frozenset(prefixes)
    return cached


class Gate:
    def __init__(self, *groups: tuple[str, ...]) -> None:
        self._groups = tuple(
            (frozenset(k[:_LONGEST_PREFIX] for k in group if k.isalnum()), tuple(k for k in group if not k.isalnum()))
            for group in groups
            if group
        )

    def open(self, folded: NormalizedText) -> bool:
        if not self._groups:
            return True
        prefixes = word_prefixes(folded)
        return all(
            not words.isdisjoint(prefixes) or any(k in folded.text for k in substrings)
            for words, substrings in self._groups
        )


def keywords(words: str) -> tuple[str, ...]:
    """A gate group written as one string of space-separated keywords (a keyword with a space in it is
    written as a tuple element beside it)."""
    return tuple(words.split())
