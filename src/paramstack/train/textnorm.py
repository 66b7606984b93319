"""Text clean-up shared by the corpus, the tokenizer and the tests: Unicode NFC, Turkish casing, language tag.

Why NFC: the same Turkish word typed on two keyboards can differ in bytes ("ş" as one code point or as
"s" + combining cedilla); a tokenizer trained on mixed forms wastes vocabulary and dedupe misses copies.
Why a Turkish casing helper: Python's ``str.lower`` maps "I" to "i" and "İ" to "i̇" (two code points),
which is wrong for Turkish ("I" -> "ı", "İ" -> "i").
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

Language = Literal["tr", "en", "und"]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

_TR_LETTERS = frozenset("çğışöüÇĞİŞÖÜ")
_TR_STOPWORD_TEXT = (
    "ve bir bu için ile da de olarak gibi çok daha ama veya ya ne mi mı mu mü olan her kendi sonra önce "
    "değil var yok ise kadar göre şu o onun bunu bunun hem en sadece yani nedir nasıl neden hangi"
)
_EN_STOPWORD_TEXT = (
    "the and of to a in is it that for on with as are be by this an or from at not which can its "
    "what how why your you they their has have was were will into each when also"
)
_TR_STOPWORDS = frozenset(_TR_STOPWORD_TEXT.split())
_EN_STOPWORDS = frozenset(_EN_STOPWORD_TEXT.split())


def normalize_text(text: str) -> str:
    """NFC, Unix newlines, no control characters, single spaces, at most one blank line in a row."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _MANY_BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def turkish_lower(text: str) -> str:
    """Lower-case with Turkish rules: "I" -> "ı", "İ" -> "i" (Python alone gets both wrong)."""
    return text.replace("I", "ı").replace("İ", "i").lower()


def turkish_upper(text: str) -> str:
    """Upper-case with Turkish rules: "i" -> "İ", "ı" -> "I"."""
    return text.replace("i", "İ").replace("ı", "I").upper()


def words(text: str) -> list[str]:
    """Alphabetic words, Turkish-lower-cased: the unit of language tagging, shingling and fertility."""
    return _WORD.findall(turkish_lower(text))


def detect_language(text: str) -> Language:
    """Tag a text as Turkish or English by Turkish letters and stopwords: cheap, and enough for two languages.

    A full language identifier is overkill here: paramstack's corpora are Turkish and English, and the
    two differ clearly in letters (ç ğ ı ö ş ü) and in their most common words.
    """
    tokens = words(text)
    if not tokens:
        return "und"
    tr_score = sum(w in _TR_STOPWORDS for w in tokens) + 0.5 * sum(ch in _TR_LETTERS for ch in text)
    en_score = float(sum(w in _EN_STOPWORDS for w in tokens))
    if tr_score == en_score == 0:
        return "und"
    return "tr" if tr_score > en_score else "en"
