"""Tell Turkish from English, cheaply: enough to pick the disclaimer's language.

Counts Turkish-only letters and frequent function words of each language in the first few hundred
words. This is not general language identification; anything that is neither reads as ``None`` and the
policy's default language is used.
"""

from __future__ import annotations

import re
from typing import Literal

Language = Literal["en", "tr"]

_WORD = re.compile(r"\w+")
_SAMPLE_CHARS = 4000
_TURKISH_LETTERS = frozenset("çğışöüÇĞİŞÖÜ")
_TURKISH_WORDS = frozenset(
    {
        "ve",
        "bir",
        "bu",
        "için",
        "ile",
        "da",
        "de",
        "değil",
        "çok",
        "olarak",
        "ne",
        "mi",
        "mı",
        "mu",
        "mü",
        "gibi",
        "daha",
        "ama",
        "veya",
        "sonra",
        "kadar",
        "her",
        "şey",
        "olan",
        "var",
        "yok",
        "ben",
        "sen",
        "siz",
        "biz",
        "nasıl",
        "neden",
        "ise",
        "ancak",
        "göre",
        "olur",
        "olabilir",
        "lütfen",
        "bilgi",
        "önce",
        "en",
    }
)
_ENGLISH_WORDS = frozenset(
    {
        "the",
        "and",
        "is",
        "of",
        "to",
        "for",
        "with",
        "a",
        "an",
        "in",
        "that",
        "it",
        "you",
        "are",
        "this",
        "be",
        "not",
        "or",
        "on",
        "as",
        "can",
        "your",
        "what",
        "how",
        "i",
        "if",
        "was",
        "were",
        "will",
        "would",
        "should",
        "may",
        "have",
        "has",
        "do",
        "does",
        "please",
        "information",
    }
)


def detect_language(text: str) -> Language | None:
    sample = text[:_SAMPLE_CHARS]
    turkish = sum(2 for ch in sample if ch in _TURKISH_LETTERS)
    english = 0
    for word in _WORD.findall(sample.lower()):
        if word in _TURKISH_WORDS:
            turkish += 3
        elif word in _ENGLISH_WORDS:
            english += 3
    if turkish == english == 0:
        return None
    return "tr" if turkish > english else "en"
