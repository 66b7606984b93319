"""Personal data: e-mail, phone (Turkish and international), TCKN, IBAN, payment cards, US SSN, IP addresses.

Why not Presidio's recognizers: measured in ``bench/guard.py`` on the same texts, Presidio's analyzer
(regex-only, offline) costs several milliseconds per 2 KB against a budget of one millisecond for the
whole policy. These recognizers keep the same idea (a candidate regex, then a checksum or structure
check that cuts false positives) but are built for speed:

- Every regex starts with a concrete character class, so CPython's matcher skips non-candidate
  positions in C; word-boundary conditions are checked in Python on the few candidates instead of with
  look-behinds, which would disable that skip.
- No nested unbounded quantifiers: each pattern is linear in the text (tested on 100 KB adversarial
  strings). The longest possible match is bounded (``MAX_PII_CHARS``), which the streaming hold-back
  relies on.
- E-mail and IPv6 are found from their '@' and ':' anchors with ``str.find`` rather than a regex that
  would try every word.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict

from paramstack.guard.normalize import NormalizedText
from paramstack.guard.result import Finding
from paramstack.guard.scanners.checksums import IBAN_LENGTHS, iban_valid, luhn_valid, tckn_valid

PiiEntity = Literal["EMAIL", "PHONE", "TCKN", "IBAN", "CREDIT_CARD", "US_SSN", "IP_ADDRESS"]
ALL_ENTITIES: tuple[PiiEntity, ...] = ("EMAIL", "PHONE", "TCKN", "IBAN", "CREDIT_CARD", "US_SSN", "IP_ADDRESS")

# No PII value this module reports is longer than this (an e-mail is at most 254 characters).
MAX_PII_CHARS = 254

# Which finding wins when two overlap (an IBAN contains card-like digit runs, a phone may look like SSN).
_PRIORITY: dict[str, int] = {
    "IBAN": 7,
    "CREDIT_CARD": 6,
    "TCKN": 5,
    "EMAIL": 4,
    "US_SSN": 3,
    "PHONE": 2,
    "IP_ADDRESS": 1,
}

# How sure a structural match is: checksummed identifiers are near-certain; a phone is a guess.
_SCORES: dict[str, float] = {
    "IBAN": 1.0,
    "CREDIT_CARD": 1.0,
    "TCKN": 1.0,
    "EMAIL": 0.95,
    "US_SSN": 0.85,
    "PHONE": 0.8,
    "IP_ADDRESS": 0.9,
}

_SEP = r"[ .\-]?"
_PHONE_TR = re.compile(
    r"(?:(?:\+|00)90[ .\-]?|\(?0[ .\-]?)?\(?[2-58]\d{2}\)?" + _SEP + r"\d{3}" + _SEP + r"\d{2}" + _SEP + r"\d{2}",
    re.ASCII,
)
_PHONE_INTL = re.compile(r"(?:\+|00)[1-9]\d{0,2}(?:[ .\-]?\(?\d{1,4}\)?){2,6}", re.ASCII)
_PHONE_NANP = re.compile(r"\(?[2-9]\d{2}\)?[ .\-]\d{3}[ .\-]\d{4}", re.ASCII)
_TCKN = re.compile(r"[1-9]\d{10}", re.ASCII)
# A TCKN written in groups ("123 456 789 50", "123.456.789.50"): 2-5 digit groups, one separator kind.
_TCKN_GROUPED = re.compile(r"[1-9]\d{1,4}([ .])\d{2,5}(?:\1\d{2,5}){1,3}(?!\d)", re.ASCII)
# A US SSN without dashes counts only next to its name (nine digits alone are too common to be one).
_SSN_PLAIN = re.compile(r"\d{9}(?!\d)", re.ASCII)
_SSN_CONTEXT = re.compile(r"(?i:\bssn\b|social\W+security(?:\W+(?:number|no|#))?|sosyal\W+g[üu]venlik)")
_CARD = re.compile(
    r"\d{4}([ .\-])\d{4}\1\d{4}\1\d{4}(?:\1\d{3})?(?!\d)"  # 16 or 19 digits in groups of four
    r"|\d{4}([ .\-])\d{6}\2\d{4,5}(?!\d)"  # Amex / Diners 4-6-5 and 4-6-4
    r"|\d{13,19}(?!\d)",
    re.ASCII,
)
_SSN = re.compile(r"\d{3}([- ])\d{2}\1\d{4}", re.ASCII)
_IPV4 = re.compile(r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}", re.ASCII)
# Upper or lower case, grouped by spaces or dashes ("tr33 0006 ...", "TR33-0006-...").
_IBAN = re.compile(r"[A-Za-z]{2}\d{2}(?:[ \-]?[A-Za-z0-9]{4}){2,7}(?:[ \-]?[A-Za-z0-9]{1,4})?", re.ASCII)
# A run of digits with the separators numbers are written with: every digit-bearing entity lies inside
# one (an IBAN starts two letters before it). Scanning these runs first keeps the specific patterns,
# some of which start with optional groups and so get no fast skip, off the ordinary prose.
_DIGIT_RUN = re.compile(r"[+(]?\d[\d \-.()/]*", re.ASCII)
_SHORTEST_DIGIT_ENTITY = 7  # "1.1.1.1"
_LONGEST_IBAN_CHARS = 42  # 34 characters plus 8 spaces

_EMAIL_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
_EMAIL_DOMAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
_IPV6_CHARS = frozenset("0123456789abcdefABCDEF:.")
_CARD_PREFIXES = ("4", "5", "2", "34", "37", "6", "35", "36", "38", "30", "9792")

_Span = tuple[int, int, str]


class PiiSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entities: list[PiiEntity] = list(ALL_ENTITIES)
    replacements: dict[PiiEntity, str] = {}  # default "[EMAIL]", "[TCKN]", ...
    allow: list[str] = []  # exact values never reported (e.g. the tenant's own support address)


def _boundary_before(text: str, start: int) -> bool:
    return start == 0 or not (text[start - 1].isalnum() or text[start - 1] in "+_")


def _boundary_after(text: str, end: int) -> bool:
    return end >= len(text) or not text[end].isalnum()


# A product or book code right before a number ("SKU 0012345678905", "Stok kodu 5321234567-K"): not personal data.
_CODE_LABEL = re.compile(
    r"\b(?:sku|ean|upc|gtin|isbn(?:-1[03])?|barkod|barcode|p/n|part\s+(?:no|number|#)|(?:stok|ürün|urun|parça|parca|"
    r"model)\s+(?:kodu|no|numarası|numarasi)|seri\s+no|serial\s+(?:no|number))\W{0,3}$",
    re.IGNORECASE,
)


def _part_of_a_code(text: str, start: int, end: int) -> bool:
    """A number glued by a dash to more letters or digits ("978-605-09-5847-2", "4155550123-B") is a piece of
    a longer code, or one right after a code label is a code."""
    if start >= 2 and text[start - 1] == "-" and text[start - 2].isalnum():
        return True
    if end + 1 < len(text) and text[end] == "-" and text[end + 1].isalnum():
        return True
    return _CODE_LABEL.search(text, max(0, start - 24), start) is not None


def _regex_spans(
    pattern: re.Pattern[str],
    text: str,
    window: tuple[int, int],
    kind: str,
    valid: Callable[[str], bool] | None = None,
    trim_digits: bool = False,
) -> list[_Span]:
    spans: list[_Span] = []
    for match in pattern.finditer(text, *window):
        start, end = match.span()
        if not (_boundary_before(text, start) and _boundary_after(text, end)) or _part_of_a_code(text, start, end):
            continue
        value = match.group()
        if trim_digits:
            value = "".join(ch for ch in value if ch.isdigit())
        if valid is None or valid(value):
            spans.append((start, end, kind))
    return spans


def _phone_spans(text: str, window: tuple[int, int]) -> list[_Span]:
    spans = _regex_spans(_PHONE_TR, text, window, "PHONE", lambda d: len(d) in (10, 11, 12, 14), trim_digits=True)
    spans += _regex_spans(_PHONE_INTL, text, window, "PHONE", lambda d: 8 <= len(d) <= 15, trim_digits=True)
    spans += _regex_spans(_PHONE_NANP, text, window, "PHONE")
    # A match that ends in a closing parenthesis of the sentence, not of the number, is trimmed.
    return [(s, e - 1 if text[e - 1] == ")" and "(" not in text[s:e] else e, k) for s, e, k in spans]


def _thousands_format(value: str) -> bool:
    """ "12.345.678.950" is an amount (groups of three after the first), not a grouped TCKN."""
    groups = re.split(r"[ .]", value)
    return len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])


def _card_valid(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and digits.startswith(_CARD_PREFIXES) and luhn_valid(digits)


def _ssn_valid(value: str) -> bool:
    area, group, serial = value[:3], value[4:6], value[7:]
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def _iban_spans(text: str, window: tuple[int, int]) -> list[_Span]:
    spans: list[_Span] = []
    for match in _IBAN.finditer(text, *window):
        start = match.start()
        if not _boundary_before(text, start):
            continue
        length = IBAN_LENGTHS.get(match.group()[:2].upper())
        if length is None:
            continue
        # The regex may run on into following digit groups; cut at the country's IBAN length.
        count, end = 0, start
        while end < match.end() and count < length:
            count += text[end] not in " -"
            end += 1
        compact = text[start:end].replace(" ", "").replace("-", "")
        if count == length and _boundary_after(text, end) and iban_valid(compact):
            spans.append((start, end, "IBAN"))
    return spans


def _ipv4_spans(text: str, window: tuple[int, int]) -> list[_Span]:
    spans: list[_Span] = []
    for match in _IPV4.finditer(text, *window):
        start, end = match.span()
        before_ok = start == 0 or not (text[start - 1].isalnum() or text[start - 1] == ".")
        after_ok = end >= len(text) or not (
            text[end].isalnum() or (text[end] == "." and end + 1 < len(text) and text[end + 1].isdigit())
        )
        if before_ok and after_ok:
            spans.append((start, end, "IP_ADDRESS"))
    return spans


def _ipv6_spans(text: str) -> list[_Span]:
    spans: list[_Span] = []
    position = text.find(":")
    floor = 0  # never re-read characters an earlier candidate already covered: linear on "a:a:a:..."
    while position != -1:
        start = position
        while start > floor and position - start < 45 and text[start - 1] in _IPV6_CHARS:
            start -= 1
        end = position
        while end < len(text) and end - start < 45 and text[end] in _IPV6_CHARS:
            end += 1
        candidate = text[start:end].rstrip(".:") if not text[start:end].endswith("::") else text[start:end]
        end = start + len(candidate)
        if candidate.count(":") >= 2 and _boundary_before(text, start) and _boundary_after(text, end):
            try:
                ipaddress.IPv6Address(candidate)
                spans.append((start, end, "IP_ADDRESS"))
            except ValueError:
                pass
        floor = max(end, position + 1)
        position = text.find(":", floor)
    return spans


def _email_char(ch: str, allowed: frozenset[str]) -> bool:
    """ASCII e-mail characters, and any letter or digit of another script (IDN domains, EAI local parts)."""
    return ch in allowed or (not ch.isascii() and ch.isalnum())


def _email_spans(text: str) -> list[_Span]:
    spans: list[_Span] = []
    at = text.find("@")
    while at != -1:
        start = at
        while start > 0 and at - start < 64 and _email_char(text[start - 1], _EMAIL_LOCAL):
            start -= 1
        while start < at and text[start] == ".":
            start += 1
        end = at + 1
        while end < len(text) and end - at < 190 and _email_char(text[end], _EMAIL_DOMAIN):
            end += 1
        while end > at + 1 and text[end - 1] in ".-":  # the sentence's full stop is not the domain's
            end -= 1
        domain = text[at + 1 : end]
        labels = domain.split(".")
        if (
            start < at
            and len(labels) >= 2
            and all(labels)
            and labels[-1].isalpha()
            and len(labels[-1]) >= 2
            and (start == 0 or not _email_char(text[start - 1], _EMAIL_LOCAL))
        ):
            spans.append((start, end, "EMAIL"))
        at = text.find("@", max(end, at + 1))
    return spans


def _resolve_overlaps(spans: list[_Span]) -> list[_Span]:
    chosen: list[_Span] = []
    for span in sorted(spans, key=lambda s: (-_PRIORITY[s[2]], s[0] - s[1])):
        if all(span[1] <= other[0] or span[0] >= other[1] for other in chosen):
            chosen.append(span)
    return sorted(chosen)


class PiiScanner:
    """Finds personal data in the original text; the mask action replaces it with ``[TYPE]``."""

    check = "pii"

    def __init__(self, settings: PiiSettings, threshold: float) -> None:
        self._entities = frozenset(settings.entities)
        self._replacements = {entity: f"[{entity}]" for entity in ALL_ENTITIES} | dict(settings.replacements)
        self._allow = frozenset(settings.allow)
        self._threshold = threshold

    def scan(self, text: str, normalized: Callable[[], NormalizedText]) -> list[Finding]:
        entities = self._entities
        spans: list[_Span] = []
        if "EMAIL" in entities and "@" in text:
            spans += _email_spans(text)
        if "IP_ADDRESS" in entities and ":" in text:
            spans += _ipv6_spans(text)
        for run in _DIGIT_RUN.finditer(text):
            spans += self._digit_entities(text, run.start(), run.end())
        if not spans:
            return []
        return [
            Finding(self.check, kind, start, end, _SCORES[kind])
            for start, end, kind in _resolve_overlaps(spans)
            if _SCORES[kind] >= self._threshold and text[start:end] not in self._allow
        ]

    def _digit_entities(self, text: str, start: int, end: int) -> list[_Span]:
        entities, window, spans = self._entities, (start, end), []
        if (
            "IBAN" in entities
            and start >= 2
            and text[start - 2 : start].isascii()
            and text[start - 2 : start].isalpha()
        ):
            spans += _iban_spans(text, (start - 2, min(len(text), start - 2 + _LONGEST_IBAN_CHARS)))
        while end > start and text[end - 1] in " .-/(":
            end -= 1
        if end - start < _SHORTEST_DIGIT_ENTITY:
            return spans
        window = (start, end)
        if "CREDIT_CARD" in entities:
            spans += _regex_spans(_CARD, text, window, "CREDIT_CARD", _card_valid, trim_digits=True)
        if "TCKN" in entities:
            spans += _regex_spans(_TCKN, text, window, "TCKN", tckn_valid)
            spans += [
                span
                for span in _regex_spans(_TCKN_GROUPED, text, window, "TCKN", tckn_valid, trim_digits=True)
                if not _thousands_format(text[span[0] : span[1]])
            ]
        if "US_SSN" in entities:
            spans += _regex_spans(_SSN, text, window, "US_SSN", _ssn_valid)
            if _SSN_CONTEXT.search(text, max(0, start - 40), start):
                spans += _regex_spans(
                    _SSN_PLAIN, text, window, "US_SSN", lambda d: _ssn_valid(f"{d[:3]}-{d[3:5]}-{d[5:]}")
                )
        if "PHONE" in entities:
            spans += _phone_spans(text, window)
        if "IP_ADDRESS" in entities:
            spans += _ipv4_spans(text, window)
        return spans

    def replacement(self, finding: Finding) -> str:
        return self._replacements[finding.type]  # type: ignore[index]  # finding types are the entity names
