"""Cheap, language-agnostic measures of a text, used by the offline judge.

Character n-grams carry Turkish as well as English (agglutinative words share stems, not whole words), so
lexical similarity here is the cosine of character-trigram counts. Repetition, stray-symbol and
completeness measures catch the degenerate outputs a tiny model (or a reward-hacked adapter) produces,
such as ``_A/K/K/K...`` or one phrase repeated until the token limit.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter

_WORD = re.compile(r"\w+", re.UNICODE)
_SPACE = re.compile(r"\s+")
_SENTENCE_END = (".", "!", "?", "…", ":", ")", '"')
_ALLOWED_PUNCTUATION = set(".,;:!?'\"()-%/&+…’“”«»")
_TURKISH_LETTERS = frozenset("çğışöüÇĞİŞÖÜ")


def normalise(text: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text).casefold()).strip()


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def char_ngrams(text: str, n: int = 3) -> Counter[str]:
    padded = f" {normalise(text)} "
    return Counter(padded[i : i + n] for i in range(max(0, len(padded) - n + 1)))


def cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(count * b[key] for key, count in a.items() if key in b)
    return dot / (math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values())))


def lexical_similarity(a: str, b: str) -> float:
    return cosine(char_ngrams(a), char_ngrams(b))


def distinct_ratio(tokens: list[str], n: int) -> float:
    """Unique n-grams over all n-grams: 1.0 for varied text, near 0 for a phrase repeated over and over."""
    grams = [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 1.0


def repetition(text: str) -> float:
    """0 (no repetition) .. 1 (all repetition), from distinct word bigrams and character 4-grams."""
    tokens = words(text)
    word_part = 1.0 - distinct_ratio(tokens, 2) if len(tokens) >= 4 else 0.0
    chars = normalise(text).replace(" ", "")
    grams = [chars[i : i + 4] for i in range(len(chars) - 3)]
    char_part = 1.0 - len(set(grams)) / len(grams) if len(grams) >= 12 else 0.0
    return max(word_part, char_part)


def symbol_ratio(text: str) -> float:
    """Share of characters that are neither letters, digits, spaces nor ordinary punctuation."""
    stripped = text.strip()
    if not stripped:
        return 1.0
    odd = sum(1 for ch in stripped if not (ch.isalnum() or ch.isspace() or ch in _ALLOWED_PUNCTUATION))
    # Stray "/" and "_" runs are how degenerate outputs look, so single-letter "words" count as noise too.
    tokens = words(stripped)
    single = sum(1 for t in tokens if len(t) == 1 and not t.isdigit())
    return min(1.0, odd / len(stripped) + (single / len(tokens) if len(tokens) >= 4 else 0.0) * 0.5)


def ends_sentence(text: str) -> bool:
    return text.rstrip().endswith(_SENTENCE_END)


def language(text: str) -> str | None:
    """'tr', 'en' or None; the guard's detector when present (one definition of the language), else letters."""
    try:
        from paramstack.guard.language import detect_language
    except ImportError:  # the guard room is optional for training
        if any(ch in _TURKISH_LETTERS for ch in text):
            return "tr"
        return "en" if words(text) else None
    return detect_language(text)


def rescale(value: float, low: float, high: float) -> float:
    """Map [low, high] onto [0, 1], clamped: raw similarities live in a narrow band."""
    return min(1.0, max(0.0, (value - low) / (high - low)))
