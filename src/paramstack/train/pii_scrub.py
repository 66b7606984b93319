"""A small regex PII scrubber for corpora: e-mails, phone numbers, Turkish ID numbers (TCKN), IBANs.

It is deliberately simple and conservative (checksums for TCKN and IBAN avoid masking arbitrary numbers);
the gateway's guard room owns the full, policy-driven PII scanners. Corpus text must not teach a model
somebody's phone number, which is why the corpus builder offers this at all.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
TCKN = re.compile(r"(?<!\d)[1-9]\d{10}(?!\d)")
PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(?0?\d{3}\)?[ .-]?)\d{3}[ .-]?\d{2}[ .-]?\d{2}(?!\d)")


def is_valid_tckn(number: str) -> bool:
    """The two check digits of a Turkish national ID number (T.C. Kimlik No)."""
    if len(number) != 11 or not number.isdigit() or number[0] == "0":
        return False
    d = [int(c) for c in number]
    tenth = ((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10
    return d[9] == tenth and d[10] == sum(d[:10]) % 10


def is_valid_iban(candidate: str) -> bool:
    """ISO 13616 mod-97 check."""
    iban = candidate.replace(" ", "")
    if not 15 <= len(iban) <= 34:
        return False
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


def scrub_pii(text: str) -> tuple[str, Counter[str]]:
    """Replace PII with ``[EMAIL]``, ``[IBAN]``, ``[TCKN]``, ``[PHONE]``; return the text and counts per kind.

    Order matters: IBANs and TCKNs are digit runs a phone pattern would also match.
    """
    counts: Counter[str] = Counter()

    def replace(kind: str, valid: Callable[[str], bool] | None = None) -> Callable[[re.Match[str]], str]:
        def _sub(match: re.Match[str]) -> str:
            if valid is not None and not valid(match.group(0)):
                return match.group(0)
            counts[kind] += 1
            return f"[{kind}]"

        return _sub

    text = EMAIL.sub(replace("EMAIL"), text)
    text = IBAN.sub(replace("IBAN", is_valid_iban), text)
    text = TCKN.sub(replace("TCKN", is_valid_tckn), text)
    text = PHONE.sub(replace("PHONE"), text)
    return text, counts
