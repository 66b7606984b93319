"""PII: checksums separate real identifiers from look-alikes; every entity is masked with its token."""

from __future__ import annotations

import random

import pytest

from paramstack.guard import Guard
from paramstack.guard.scanners.checksums import (
    iban_check_digits,
    iban_valid,
    luhn_complete,
    luhn_valid,
    tckn_complete,
    tckn_valid,
)


def masked(guard: Guard, text: str) -> str | None:
    return guard.validate(text).text


@pytest.mark.parametrize("tckn", ["10000000146", "12345678950", tckn_complete("345678912")])
def test_valid_tckn_is_masked(default_guard: Guard, tckn: str) -> None:
    assert tckn_valid(tckn)
    assert masked(default_guard, f"Kimlik no: {tckn}.") == "Kimlik no: [TCKN]."


@pytest.mark.parametrize("number", ["10000000147", "12345678951", "99999999999", "1234567895"])
def test_checksum_invalid_tckn_is_kept(default_guard: Guard, number: str) -> None:
    assert not tckn_valid(number)
    assert masked(default_guard, f"Numara {number} burada.") == f"Numara {number} burada."


@pytest.mark.parametrize(
    "iban",
    [
        "TR33 0006 1005 1978 6457 8413 26",
        "TR330006100519786457841326",
        "DE89 3704 0044 0532 0130 00",
        "GB82 WEST 1234 5698 7654 32",
        "FR14 2004 1010 0505 0001 3M02 606",
        "NL91ABNA0417164300",
        "NO9386011117947",
        "MT84MALT011000012345MTLCAST001S",
    ],
)
def test_valid_ibans_of_many_countries_are_masked(default_guard: Guard, iban: str) -> None:
    assert iban_valid(iban.replace(" ", ""))
    assert masked(default_guard, f"IBAN {iban}, thanks") == "IBAN [IBAN], thanks"


@pytest.mark.parametrize(
    "bad",
    [
        "TR33 0006 1005 1978 6457 8413 27",
        "DE89370400440532013001",
        "GB82 WEST 1234 5698 7654 3",
        "XX89370400440532013000",
    ],
)
def test_iban_with_bad_check_digits_or_length_is_kept(default_guard: Guard, bad: str) -> None:
    assert masked(default_guard, f"IBAN {bad} here") == f"IBAN {bad} here"


def test_generated_turkish_ibans_all_masked(default_guard: Guard) -> None:
    rng = random.Random(7)
    for _ in range(50):
        bban = (
            "".join(rng.choice("0123456789") for _ in range(5))
            + "0"
            + "".join(rng.choice("0123456789") for _ in range(16))
        )
        iban = f"TR{iban_check_digits('TR', bban)}{bban}"
        assert masked(default_guard, f"hesap {iban}.") == "hesap [IBAN].", iban


@pytest.mark.parametrize(
    "card",
    [
        "4111 1111 1111 1111",
        "5500-0000-0000-0004",
        "378282246310005",
        "3782 822463 10005",
        "6011111111111117",
        "4012888888881881",
    ],
)
def test_luhn_valid_cards_are_masked(default_guard: Guard, card: str) -> None:
    assert luhn_valid(card.replace(" ", "").replace("-", ""))
    assert masked(default_guard, f"card: {card}") == "card: [CREDIT_CARD]"


@pytest.mark.parametrize("number", ["4111 1111 1111 1112", "1234567812345678", "5500-0000-0000-0005"])
def test_luhn_invalid_numbers_are_kept(default_guard: Guard, number: str) -> None:
    assert masked(default_guard, f"ref {number}") == f"ref {number}"


def test_generated_cards_all_masked(default_guard: Guard) -> None:
    rng = random.Random(3)
    for prefix in ("4", "51", "37", "6011", "9792"):
        for _ in range(20):
            length = 15 if prefix == "37" else 16
            body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
            card = luhn_complete(body)
            assert masked(default_guard, f"pay with {card} now") == "pay with [CREDIT_CARD] now", card


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to jane.doe+tag@mail.example.co.uk.", "write to [EMAIL]."),
        ("ara: +90 532 123 45 67", "ara: [PHONE]"),
        ("ara: 0532 123 4567", "ara: [PHONE]"),
        ("sabit: (0212) 555 12 34", "sabit: [PHONE]"),
        ("call +1 (415) 555-2671 today", "call [PHONE] today"),
        ("call +49 30 901820 today", "call [PHONE] today"),
        ("SSN 078-05-1120 on file", "SSN [US_SSN] on file"),
        ("host 192.168.0.1 and 2001:db8::1", "host [IP_ADDRESS] and [IP_ADDRESS]"),
    ],
)
def test_each_entity_is_masked_with_its_token(default_guard: Guard, text: str, expected: str) -> None:
    assert masked(default_guard, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "The meeting is on 2024-11-28 at 12:30:00.",
        "Version 1.2.3 was released; see RFC 7231.",
        "SSN-like 000-12-3456 and 666-12-3456 are never issued.",
        "Order number 12345 shipped in 3 boxes of 250 g.",
        "Invalid IP 999.1.1.1 and ratio 3:2.",
        "Email-ish: user@localhost or @handle.",
    ],
)
def test_benign_numbers_and_lookalikes_pass(default_guard: Guard, text: str) -> None:
    result = default_guard.validate(text)
    assert result.action == "allow", result.findings
    assert result.text == text


def test_findings_point_into_the_original_text(default_guard: Guard) -> None:
    text = "Merhaba, ben Ayşe: ayse@example.com / TR33 0006 1005 1978 6457 8413 26"
    result = default_guard.validate(text)
    spans = {f.type: text[f.start : f.end] for f in result.findings}
    assert spans == {"EMAIL": "ayse@example.com", "IBAN": "TR33 0006 1005 1978 6457 8413 26"}
