"""Where a user turn embeds someone else's text: "Summarise this e-mail:\\n<the e-mail>".

The user is the principal; the e-mail, web page or JSON they paste is untrusted data, and an instruction to
the model inside it is an indirect injection even though it arrives in the user's own message. The input
injection check therefore judges the embedded part by the stricter untrusted threshold, and the user's own
words before it (where "Dear assistant, please ..." is normal) by the ordinary one.

``embedded_start(text)`` is the offset where the embedded part begins, or None. Signals, in order: a
request line ending in ":" or asking to summarise/translate/review ... followed by a newline and a body; an
e-mail header, HTML or JSON anywhere; "Summarise this: <long text>" on one line.
"""

from __future__ import annotations

import re

_DOC_MARKERS = re.compile(
    r"(?im)^[ \t>]*(?:subject|from|to|cc|date|konu|kimden|kime|tarih|gönderen|gonderen)\s*:"
    r"|-{3,}\s*(?:original message|forwarded message|orijinal ileti|iletilen ileti)"
    r"|<(?:html|body|div|p|span|footer|header|article|section|table|ul|li|h[1-6]|!--)\b|\{\s*\"|\[\s*\{|```"
)
_REQUEST = re.compile(
    r"(?i)\b(?:summar|translat|analy|review|read|check|proofread|rewrite|extract|classify|reply|answer|respond|"
    r"explain|paraphras|shorten|correct|özet|ozet|çevir|cevir|incele|oku|kontrol|düzelt|duzelt|yanıtla|yanitla|"
    r"cevapla|açıkla|acikla|aşağıdaki|asagidaki|following|below)\w*"
)
_MIN_BODY = 40


def embedded_start(text: str) -> int | None:
    newline = text.find("\n")
    if newline != -1 and len(text) - newline > _MIN_BODY:
        first = text[:newline]
        if first.rstrip().endswith(":") or _REQUEST.search(first) or _DOC_MARKERS.search(text, newline):
            return newline + 1
    marker = _DOC_MARKERS.search(text)
    if marker is not None:
        return marker.start()
    colon = text.find(": ")
    if 0 < colon < 160 and _REQUEST.search(text, 0, colon) and len(text) - colon > 2 * _MIN_BODY:
        return colon + 2
    return None
