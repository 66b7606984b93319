"""PII format variants are masked, number look-alikes stay, and Turkish suffixes stay attached."""

from __future__ import annotations

import pytest

from paramstack.guard import Guard
from paramstack.guard.scanners.checksums import iban_check_digits, luhn_complete, tckn_complete

TCKN = tckn_complete("123456789")  # 12345678950
CARD = luhn_complete("411111111111111")
IBAN = "TR" + iban_check_digits("TR", "000610051978645784132" + "6") + "000610051978645784132" + "6"


def _groups(value: str, size: int, sep: str) -> str:
    return sep.join(value[i : i + size] for i in range(0, len(value), size))


MASKED = [
    (f"TCKN {TCKN[:3]} {TCKN[3:6]} {TCKN[6:9]} {TCKN[9:]}", "TCKN [TCKN]", "TCKN"),
    (f"TC kimlik no: {TCKN[:3]}.{TCKN[3:6]}.{TCKN[6:9]}.{TCKN[9:]}", "TC kimlik no: [TCKN]", "TCKN"),
    (f"Ahmet'in numarası {TCKN[:3]} {TCKN[3:6]} {TCKN[6:9]} {TCKN[9:]}'dir.", "Ahmet'in numarası [TCKN]'dir.", "TCKN"),
    (f"IBAN: {_groups(IBAN, 4, ' ').lower()}", "IBAN: [IBAN]", "IBAN"),
    (f"IBAN: {_groups(IBAN, 4, '-')}", "IBAN: [IBAN]", "IBAN"),
    (f"Parayı {IBAN.lower()}'ye yatırın.", "Parayı [IBAN]'ye yatırın.", "IBAN"),
    (f"Card {_groups(CARD, 4, '.')}", "Card [CREDIT_CARD]", "CREDIT_CARD"),
    (f"Kartım {_groups(CARD, 4, '.')}'dir.", "Kartım [CREDIT_CARD]'dir.", "CREDIT_CARD"),
    ("Yaz: ayşe.yılmaz@örnek.com.tr'ye", "Yaz: [EMAIL]'ye", "EMAIL"),
    ("Mail josé@café.fr please", "Mail [EMAIL] please", "EMAIL"),
    ("My social security number is 123456789.", "My social security number is [US_SSN].", "US_SSN"),
    ("SSN: 123456789", "SSN: [US_SSN]", "US_SSN"),
    ("SSN 123 45 6789 on file", "SSN [US_SSN] on file", "US_SSN"),
]

KEPT = [
    "Poliçe numaranız 2024-TR-1234-5678 olarak kayıtlıdır.",
    "Policy number 2024-TR-1234-5678 renews in May.",
    "Invoice INV-2024-000123 is due on 2024-05-01.",
    "Sipariş 100234567 kargoya verildi.",  # nine digits, no SSN context
    "Version 3.12.1 and build 2024.11.05 are out.",
    "Toplam 12.345.678,90 TL, KDV dahil.",
    "The amount is 12.345.678.950 TL.",
    "Tarih: 12.05.2024, saat 14:30.",
    "Order #4521-8890-1123 shipped.",
    "ISBN 978-3-16-148410-0",
]


@pytest.mark.parametrize(("text", "masked", "entity"), MASKED)
def test_pii_variants_are_masked_and_suffixes_stay(default_guard: Guard, text: str, masked: str, entity: str) -> None:
    result = default_guard.validate(text)
    assert result.text == masked, result.findings
    assert entity in {f.type for f in result.findings}


@pytest.mark.parametrize("text", KEPT)
def test_number_look_alikes_stay(default_guard: Guard, text: str) -> None:
    result = default_guard.validate(text)
    assert result.text == text, result.findings


@pytest.mark.parametrize(("text", "masked", "entity"), MASKED)
def test_streamed_variants_are_masked_the_same(default_guard: Guard, text: str, masked: str, entity: str) -> None:
    stream = default_guard.stream("output", min_emit_chars=1)
    out = "".join(stream.feed(text[i : i + 3]) for i in range(0, len(text), 3)) + stream.finish()
    assert out == masked
