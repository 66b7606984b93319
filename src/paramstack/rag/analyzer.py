"""Text -> keyword terms, the same on every store (SQLite FTS5 and PostgreSQL full text index these terms).

Turkish is agglutinative ("sözleşmelerimizden" = sözleşme+ler+imiz+den) and the default embedding model is
English-only, so the keyword side carries Turkish retrieval. Truncating every word to its first 5 letters
after folding case and diacritics is a well-measured stemmer for Turkish (Can et al., 2008: "F5" performs
as well as a lemmatiser for retrieval) and a reasonable light stemmer for English too; folding makes
"şirket"/"sirket" and "İstanbul"/"istanbul" the same term whatever keyboard the user had.
"""

from __future__ import annotations

import re
import unicodedata

PREFIX_LENGTH = 5
WORD = re.compile(r"\w+", re.UNICODE)
# Turkish letters first (İ and ı do not fold to i by Unicode case folding alone), then general diacritics.
TURKISH_FOLD = str.maketrans(
    {
        "İ": "i",
        "I": "i",
        "ı": "i",
        "Ş": "s",
        "ş": "s",
        "Ğ": "g",
        "ğ": "g",
        "Ç": "c",
        "ç": "c",
        "Ö": "o",
        "ö": "o",
        "Ü": "u",
        "ü": "u",
    }
)
MAX_QUERY_TERMS = 64


def fold(text: str) -> str:
    text = text.translate(TURKISH_FOLD).lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def terms(text: str) -> list[str]:
    """Folded, truncated words of ``text``: letters and digits only, so no term is query syntax in FTS5 or
    PostgreSQL's tsquery."""
    found = []
    for word in WORD.findall(fold(text)):
        word = word.replace("_", "")
        if word:
            found.append(word[:PREFIX_LENGTH])
    return found


def index_terms(text: str) -> str:
    return " ".join(terms(text))


def query_terms(text: str) -> list[str]:
    """Distinct terms of a query, in order, capped (a pasted page should not become a 5,000-term OR)."""
    seen: dict[str, None] = {}
    for term in terms(text):
        if len(term) > 1 or term.isdigit():
            seen.setdefault(term, None)
    return list(seen)[:MAX_QUERY_TERMS]
