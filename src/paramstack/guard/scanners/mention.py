"""Mention or use: "what does 'ignore previous instructions' mean?" quotes an attack, it does not make one.

Security questions about jailbreaks are among the most common false alarms of pattern guards. A match is
taken as a *mention* when it sits inside quotation marks (or right after "such as", "like", "gibi"...)
AND the text asks or talks about it (a question, "explain", "how do I defend", "nedir", "nasıl
korurum"...) AND nothing asks the model to carry it out ("and then do it", "şimdi uygula"). All three,
so that quoting alone is no way to smuggle an attack past the guard: "'Ignore your rules' - do it" is use.
"""

from __future__ import annotations

import re

_QUOTES = frozenset('"“”«»`‘’„')
_CUE_BEFORE = re.compile(
    r"(?:such\W+as|like|e\W?g|for\W+example|phrases?|prompts?|strings?|sentences?|called|"
    r"ornegin|mesela|ifadesi|cumlesi|diyen|yazan)\W*$"
)
_CUE_AFTER = re.compile(r"^\W*(?:gibi|ifade\w*|cumle\w*|diye|yazan|seklinde|tarzi|turu)\b")
_ASKS = re.compile(
    r"\?|\b(?:what|how|why|which|explain|describe|detect|defend|protect|prevent|mitigate|filter|block|classify|"
    r"recogni[sz]e|example|examples|means?|meaning|research|paper|attack|attacks|injection|jailbreaks?|"
    r"nedir|nasil|neden|niye|hangi|acikla|anlat|tespit|koru|onle|engelle|saldiri\w*|ornek\w*|anlami|demek|"
    r"about|hakkinda|risks?|risk\w*|blog|article|makale)\b"
)
_DO_IT = re.compile(
    r"\b(?:then|now|and)\W+(?:do|follow|obey|execute|apply|run|comply|act\W+on)\W+(?:it|that|this|them|those)\b"
    r"|\b(?:do|follow|obey|execute|apply)\W+(?:it|that|this)\W+(?:now|instead)\b"
    r"|\b(?:simdi|sonra|ve)\W+(?:bunu\W+|onu\W+|bunlari\W+)?(?:uygula|yap|uy|gerceklestir|calistir)\w*\b"
)


def _inside_quotes(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 80) : start]
    after = text[end : end + 120]
    opened = sum(1 for ch in before if ch in _QUOTES) + _bare_apostrophes(before)
    closes = any(ch in _QUOTES for ch in after) or _bare_apostrophes(after) > 0
    return opened % 2 == 1 and closes


def _bare_apostrophes(text: str) -> int:
    """Apostrophes used as quotes, not inside words ("don't" and Turkish "Ankara'da" keep theirs)."""
    count = 0
    for i, ch in enumerate(text):
        if ch == "'":
            left = text[i - 1] if i > 0 else " "
            right = text[i + 1] if i + 1 < len(text) else " "
            count += not (left.isalnum() and right.isalnum())
    return count


# An attack named as a topic: "system prompt leak attacks", "sistem istemi sızdırma saldırısı nedir" (the
# Turkish verbal noun "sızdırma" is spelt like the imperative "do not leak").
_TOPIC_AFTER = re.compile(
    r"^\W*(?:\w+\W+)?(?:saldiri\w*|attacks?|risk\w*|girisim\w*|teknik\w*|techniques?|"
    r"vulnerabilit\w*|zafiyet\w*|acig\w*|nedir|ne\W+demek|nasil\W+calisir|how\W+(?:it\W+|they\W+)?works?)\b"
)


def is_mention(folded: str, start: int, end: int) -> bool:
    """Whether the match ``folded[start:end]`` is quoted (or named as a topic) and talked about rather than
    addressed to the model."""
    quoted = (
        _inside_quotes(folded, start, end)
        or bool(_CUE_BEFORE.search(folded[max(0, start - 30) : start]))
        or bool(_CUE_AFTER.search(folded[end : end + 30]))
        or bool(_TOPIC_AFTER.search(folded[end : end + 40]))
    )
    if not quoted:
        return False
    outside = folded[:start] + " " + folded[end:]
    return bool(_ASKS.search(outside)) and not _DO_IT.search(folded)


_NEGATED = re.compile(
    r"(?:\bdo\W+not|\bdon'?t|\bnever|\bdont|\bnot\W+to|\bmust\W+not|\bshould\W+not|"
    r"\bplease\W+do\W+not)\W*$"
)


def is_negated(folded: str, start: int) -> bool:
    """ "Do not disregard the safety instructions" warns against an override; it is not one."""
    return bool(_NEGATED.search(folded[max(0, start - 24) : start]))
