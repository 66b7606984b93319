"""Text normalisation for the pattern and classifier checks, with a map back to the original offsets.

Attackers hide "ignore previous instructions" behind look-alike letters (Cyrillic "о", fullwidth "ｉ",
mathematical bold "𝐢"), zero-width characters, combining marks, Turkish dotted/dotless i, leetspeak
("1gn0r3") and spacing ("i g n o r e"). The jailbreak and toxicity checks therefore look at a folded
form of the text: lower-case ASCII wherever a Latin letter was meant. Findings must still point into
the text the user sent, so every normalised character remembers the index it came from.

Cost matters (this runs on every request): the common case (no invisible characters, no spaced-out
letters) is one ``str.translate`` and one ``lower`` with no per-character Python loop; the offset map
is only built when characters are actually removed.

The PII check does NOT use this form: leetspeak folding would turn digits into letters.

Encoded payloads (base64, ROT13, reversed text, Unicode tag characters) are decoded where a segment is
plausibly encoded (``decode.py``) and kept as extra folded *views*; the meaning checks scan each view too.
``lazy_normalized(text)`` is how a guard evaluation shares one normalisation between all its checks.
Malformed Unicode (lone surrogates) is folded to "?" one for one, so offsets stay valid and nothing
downstream (the classifiers encode to UTF-32) can fail on it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from paramstack.guard.decode import MAX_DECODED_CHARS, DecodedView, decoded_views

_WORDS = re.compile(r"[a-z0-9_]+")

# Zero-width, bidi controls, soft hyphen, variation selectors, tag characters and combining marks.
# Combining marks go too: "ı̇gnore" or "ïgnöre" built from combining sequences fold to plain letters.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e0fff"
    "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)

# Letters spelled out one by one: "i g n o r e", "i.g.n.o.r.e", "i-g-n-o-r-e", "| i | g | n |", one per line
# (at least 3 letters, the same separator throughout, so "d.i.s.r.e.g.a.r.d y.o.u.r" is two words again
# and "e.g. a" is left alone).
_SPACED_LETTERS = re.compile(r"(?<![^\W\d_])[^\W\d_]( ?[.\-_*+/|\\] ?| |\n)(?:[^\W\d_]\1)+[^\W\d_](?![^\W\d_])")

# Leetspeak: digits and symbols that stand for letters, undone only inside words that mix them with
# letters ("1gn0r3", "4ll"): a plain number stays a number. "!" and "|" are left alone because folding
# them would glue punctuation onto words ("rules!" -> "rulesi"). Every other digit becomes "0": the
# classifiers care that a number is there, not which one, and unseen digit n-grams only add noise.
_LEET = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "@": "a",
        "$": "s",
        "2": "z",
        "6": "g",
        "8": "b",
        "9": "g",
    }
)
# A token holding a digit, '@' or '$', matched from the token's start only (the look-behind) so that a
# 100 KB run of digits or letters costs one linear pass, not one pass per position.
# Possessive: letters (and "_") are taken without backtracking, then a digit, "@" or "$" must follow, and
# the rest of the token goes with it; the same tokens as "[\w@$]*[\d@$][\w@$]*", in one pass over each word.
_DIGIT_TOKEN = re.compile(r"(?<![\w@$])[^\W\d]*+[\d@$][\w@$]*")
_NONZERO_DIGIT = re.compile("[1-9]")  # ASCII digits only, as the classifiers were trained

# Cyrillic and Greek letters that look like Latin ones (the usual homoglyph attack set).
_CONFUSABLES = {
    "а": "a",
    "в": "b",
    "е": "e",
    "ё": "e",
    "к": "k",
    "м": "m",
    "н": "h",
    "о": "o",
    "р": "p",
    "с": "c",
    "т": "t",
    "у": "y",
    "х": "x",
    "ѕ": "s",
    "і": "i",
    "ї": "i",
    "ј": "j",
    "һ": "h",
    "ԁ": "d",
    "ԛ": "q",
    "ԝ": "w",
    "ɡ": "g",
    "ɩ": "i",
    "ı": "i",
    "ℓ": "l",
    "α": "a",
    "β": "b",
    "ε": "e",
    "η": "n",
    "ι": "i",
    "κ": "k",
    "ν": "v",
    "ο": "o",
    "ρ": "p",
    "τ": "t",
    "υ": "u",
    "χ": "x",
    "ω": "w",
}

# Unicode blocks whose characters fold to one ASCII letter or digit via NFKD (accents, fullwidth,
# mathematical alphanumerics, circled letters, superscripts).
_FOLDABLE_RANGES = (
    (0x00C0, 0x024F),
    (0x1E00, 0x1EFF),
    (0xFF01, 0xFF5E),
    (0x1D400, 0x1D7FF),
    (0x2460, 0x24FF),
    (0x2070, 0x209F),
    (0x0370, 0x03FF),
    (0x0400, 0x04FF),
    (0x2100, 0x214F),
)


def _build_fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for low, high in _FOLDABLE_RANGES:
        for code in range(low, high + 1):
            decomposed = unicodedata.normalize("NFKD", chr(code))
            base = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
            if len(base) == 1 and base.isascii() and base.isalnum():
                table[code] = base.lower()
    for source, target in _CONFUSABLES.items():
        table[ord(source)] = target
        if len(source.upper()) == 1:
            table[ord(source.upper())] = target
    table[ord("İ")] = "i"  # "İ".lower() is two characters; fold it before lower() can see it
    table[ord("I")] = "i"
    for space in "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000":
        table[ord(space)] = " "
    return table


# Constants built once at import: translate tables are read-only in use. ``str.translate`` looks a code point
# up in a tuple about twice as fast as in a dict; past the tuple's end (IndexError, a LookupError) a
# character maps to itself.
_FOLD = _build_fold_table()
_FOLD_TABLE = tuple(_FOLD.get(code, chr(code)) for code in range(max(_FOLD) + 1))


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """The folded text and, when characters were removed, the original index of each character."""

    text: str
    original_length: int
    offsets: tuple[int, ...] | None = None  # None: same length, index i maps to i
    # What the checks derive from ``text`` (n-gram features), computed by the first that needs it and
    # reused by the others in the same evaluation.
    shared: dict[Hashable, Any] = field(default_factory=dict, compare=False, repr=False)
    # The text as given, from which ``views`` are decoded (empty: no decoding).
    source: str = field(default="", compare=False, repr=False)

    @property
    def words(self) -> frozenset[str]:
        """The distinct words of the folded text (cached): the gates and the ROT13/reversal test share them."""
        cached = self.shared.get("words")
        if cached is None:
            cached = self.shared["words"] = frozenset(_WORDS.findall(self.text))
        return cached

    @property
    def views(self) -> tuple[tuple[DecodedView, NormalizedText], ...]:
        """Decoded readings of encoded segments, each folded like the text; a finding in one maps to its
        span. Computed on first use (only the attack checks read them) and cached."""
        cached = self.shared.get("views")
        if cached is None:
            words = self.words if len(self.text) <= MAX_DECODED_CHARS else None
            found = decoded_views(self.source, self.text, words) if self.source else ()
            cached = self.shared["views"] = tuple((view, _fold(view.text)) for view in found)
        return cached

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span ``[start, end)`` of the folded text back to a span of the original text."""
        if self.offsets is None:
            return start, end
        if not self.offsets:
            return 0, 0
        first = self.offsets[min(start, len(self.offsets) - 1)]
        last = self.offsets[max(min(end, len(self.offsets)) - 1, 0)] + 1
        return first, max(first, last)


def _remove(
    text: str, pattern: re.Pattern[str], offsets: list[int] | None, spaced: bool = False
) -> tuple[str, list[int] | None]:
    """Drop the characters ``pattern`` matches (or, ``spaced``, the separators between its spelled-out letters)."""
    removed: list[int] = []
    for match in pattern.finditer(text):
        if not spaced:
            removed.extend(range(match.start(), match.end()))
        else:
            removed.extend(i for i in range(match.start(), match.end()) if not text[i].isalpha())
    if not removed:
        return text, offsets
    gone = set(removed)
    kept = [i for i in range(len(text)) if i not in gone]
    base = offsets if offsets is not None else range(len(text))
    return "".join(text[i] for i in kept), [base[i] for i in kept]


def _undo_leet(match: re.Match[str]) -> str:
    token = match.group()
    return token.translate(_LEET) if any(ch.isalpha() for ch in token) else token


_SURROGATES = re.compile("[\ud800-\udfff]")


def normalize(text: str, *, decode: bool = True) -> NormalizedText:
    """Fold ``text`` for matching: invisible characters out, look-alikes and leetspeak to ASCII, lower case;
    with ``decode``, plausibly encoded segments are decoded into folded views as well."""
    folded = _fold(text)
    if not decode:
        return folded
    return NormalizedText(folded.text, folded.original_length, folded.offsets, source=text)


def lazy_normalized(text: str) -> Callable[[], NormalizedText]:
    """``normalize(text)``, computed on the first call and then shared: one normalisation per evaluation
    however many checks read it, and none when only the PII check (which reads the raw text) runs."""
    cache: list[NormalizedText] = []

    def get() -> NormalizedText:
        if not cache:
            cache.append(normalize(text))
        return cache[0]

    return get


def _fold(text: str) -> NormalizedText:
    original_length = len(text)
    if not text.isascii() and _SURROGATES.search(text):
        text = _SURROGATES.sub("?", text)
    offsets: list[int] | None = None
    if not text.isascii():
        text, offsets = _remove(text, _INVISIBLE, None)
    folded = text.translate(_FOLD_TABLE).lower()
    if len(folded) != len(text):  # cannot happen after folding "İ", but never trust a Unicode corner
        folded = "".join(ch.translate(_FOLD_TABLE).lower()[:1] or ch for ch in text)
    folded = _DIGIT_TOKEN.sub(_undo_leet, folded)
    folded = _NONZERO_DIGIT.sub("0", folded)
    folded, offsets = _remove(folded, _SPACED_LETTERS, offsets, spaced=True)
    return NormalizedText(folded, original_length, tuple(offsets) if offsets is not None else None)
