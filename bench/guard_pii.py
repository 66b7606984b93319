"""PII texts for bench/guard.py: checksum-valid values in the formats people write them, and look-alikes.

Every value is generated (random, checksum-valid where the entity has a checksum) inside sentences in
English and Turkish, some with a Turkish case suffix glued on ("...'ye"). Look-alikes are numbers that
must stay: policy, order and invoice numbers, dates, versions, prices, ISBNs, and values whose checksum
is broken. ``rows()`` returns ``(text, expected entity types, family)``; a family starting with
``lookalike`` expects no finding at all.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from paramstack.guard.scanners.checksums import iban_check_digits, luhn_complete, tckn_complete

Row = tuple[str, set[str], str]

_EN = [
    "Please update the record: {v}.",
    "The customer gave {v} on the form.",
    "Use {v} for the refund.",
    "For verification we have {v} on file.",
]
_TR = [
    "Müşterinin bilgisi {v} olarak kayıtlı.",
    "Lütfen {v} bilgisini güncelleyin.",
    "Formda {v} yazıyor.",
    "İade için {v} kullanılacak.",
]
_SUFFIXES = ["'ye", "'ya", "'nin", "'dir", "'den", "'e"]


def _grouped(value: str, size: int, sep: str) -> str:
    return sep.join(value[i : i + size] for i in range(0, len(value), size))


def rows(seed: int = 17, per_variant: int = 12) -> list[Row]:
    rng = random.Random(seed)
    digits = lambda n: "".join(rng.choice("0123456789") for _ in range(n))  # noqa: E731
    out: list[Row] = []

    def add(entity: str, family: str, make: Callable[[], str], turkish_suffix: bool = False) -> None:
        for i in range(per_variant):
            value = make()
            if turkish_suffix:
                text = f"Bilgi {value}{rng.choice(_SUFFIXES)} gönderildi."
            else:
                text = rng.choice(_EN if i % 2 else _TR).format(v=value)
            out.append((text, {entity}, f"{entity}/{family}"))

    tckn = lambda: tckn_complete(str(rng.randint(1, 9)) + digits(8))  # noqa: E731
    add("TCKN", "plain", tckn)
    add("TCKN", "spaces 3-3-3-2", lambda: (lambda t: f"{t[:3]} {t[3:6]} {t[6:9]} {t[9:]}")(tckn()))
    add("TCKN", "dots 3-3-3-2", lambda: (lambda t: f"{t[:3]}.{t[3:6]}.{t[6:9]}.{t[9:]}")(tckn()))
    add("TCKN", "spaces 4-4-3", lambda: (lambda t: f"{t[:4]} {t[4:8]} {t[8:]}")(tckn()))
    add("TCKN", "suffix", tckn, turkish_suffix=True)

    def iban() -> str:
        country, bban = rng.choice(
            [
                ("TR", lambda: digits(5) + "0" + digits(16)),
                ("DE", lambda: digits(18)),
                ("GB", lambda: "NWBK" + digits(14)),
                ("FR", lambda: digits(23)),
            ]
        )
        body = bban()
        return f"{country}{iban_check_digits(country, body)}{body}"

    add("IBAN", "compact", iban)
    add("IBAN", "spaces", lambda: _grouped(iban(), 4, " "))
    add("IBAN", "lower case", lambda: _grouped(iban(), 4, " ").lower())
    add("IBAN", "dashes", lambda: _grouped(iban(), 4, "-"))
    add("IBAN", "suffix", lambda: _grouped(iban(), 4, " "), turkish_suffix=True)

    def card() -> str:
        prefix = rng.choice(["4", "51", "55", "6011", "2221"])
        return luhn_complete(prefix + digits(15 - len(prefix)))

    add("CREDIT_CARD", "compact", card)
    add("CREDIT_CARD", "spaces", lambda: _grouped(card(), 4, " "))
    add("CREDIT_CARD", "dashes", lambda: _grouped(card(), 4, "-"))
    add("CREDIT_CARD", "dots", lambda: _grouped(card(), 4, "."))

    names = ["ayse", "mehmet.kaya", "j.smith", "zeynep_ak", "ali99", "şule", "gökhan.öz"]
    domains = ["example.com", "örnek.com.tr", "bücher.de", "şirket.com.tr", "mail.example.org", "café.fr"]
    add("EMAIL", "ascii", lambda: f"{rng.choice(names[:5])}@{rng.choice(['example.com', 'mail.example.org'])}")
    add("EMAIL", "IDN domain", lambda: f"{rng.choice(names[:5])}@{rng.choice(domains[1:4] + domains[5:])}")
    add("EMAIL", "non-ASCII local part", lambda: f"{rng.choice(names[5:])}@{rng.choice(domains)}")
    add("EMAIL", "suffix", lambda: f"{rng.choice(names)}@{rng.choice(domains)}", turkish_suffix=True)

    ssn = lambda: f"{rng.randint(100, 665)}{rng.randint(10, 99)}{rng.randint(1000, 9999)}"  # noqa: E731
    add("US_SSN", "dashes", lambda: (lambda s: f"{s[:3]}-{s[3:5]}-{s[5:]}")(ssn()))
    for label in ("social security number", "SSN", "Social Security No."):
        for _ in range(per_variant // 3):
            out.append((f"My {label} is {ssn()}, please keep it private.", {"US_SSN"}, "US_SSN/no dashes + name"))
    add("PHONE", "TR mobile", lambda: f"0{rng.choice(['532', '542', '505'])} {digits(3)} {digits(2)} {digits(2)}")
    add("IP_ADDRESS", "v4", lambda: f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}")

    def lookalike(family: str, make: Callable[[], str]) -> None:
        for _ in range(per_variant):
            out.append((make(), set(), f"lookalike/{family}"))

    year = lambda: rng.randint(2019, 2027)  # noqa: E731
    lookalike("policy number", lambda: f"Poliçe numaranız {year()}-TR-{digits(4)}-{digits(4)} olarak kayıtlı.")
    lookalike("policy number en", lambda: f"Your policy {year()}-TR-{digits(4)}-{digits(4)} renews next month.")
    lookalike(
        "invoice", lambda: f"Invoice INV-{year()}-{digits(6)} is due on {year()}-0{rng.randint(1, 9)}-1{digits(1)}."
    )
    lookalike("order number", lambda: f"Sipariş numarası {rng.randint(1, 9)}{digits(8)} kargoya verildi.")
    lookalike("order with hash", lambda: f"Order #{digits(4)}-{digits(4)}-{digits(4)} shipped today.")
    lookalike("date", lambda: f"Randevu {rng.randint(10, 28)}.{rng.randint(10, 12)}.{year()} saat 14:30'da.")
    lookalike(
        "version",
        lambda: (
            f"Upgrade to version {rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 9)} "
            f"(build {year()}.{rng.randint(10, 12)}.{rng.randint(10, 28)})."
        ),
    )
    lookalike("price TR", lambda: f"Toplam tutar {rng.randint(10, 99)}.{digits(3)}.{digits(3)},{digits(2)} TL.")
    lookalike(
        "price big", lambda: f"The contract is worth {rng.randint(10, 99)}.{digits(3)}.{digits(3)}.{digits(3)} TL."
    )
    lookalike("price EN", lambda: f"It costs ${rng.randint(1, 9)},{digits(3)},{digits(3)}.{digits(2)} in total.")
    lookalike("ISBN", lambda: f"ISBN 978-{rng.randint(0, 9)}-{digits(2)}-{digits(6)}-{rng.randint(0, 9)}")
    lookalike("broken TCKN", lambda: (lambda t: f"Dosya no {t[:-1]}{(int(t[-1]) + 1) % 10}.")(tckn()))
    lookalike("broken card", lambda: (lambda c: f"Tracking {c[:-1]}{(int(c[-1]) + 1) % 10}.")(card()))
    return out


def quality(detect: Callable[[str], set[str]], data: list[Row]) -> dict[str, object]:
    """Recall over the expected entities, by family; share of look-alike texts left without any finding."""
    families: dict[str, list[bool]] = {}
    for text, expected, family in data:
        found = detect(text)
        hit = not found if family.startswith("lookalike") else expected <= found
        families.setdefault(family, []).append(hit)
    positives = [h for f, hs in families.items() if not f.startswith("lookalike") for h in hs]
    kept = [h for f, hs in families.items() if f.startswith("lookalike") for h in hs]
    return {
        "recall": round(sum(positives) / len(positives), 4),
        "lookalikes_kept": round(sum(kept) / len(kept), 4),
        "positives": len(positives),
        "lookalikes": len(kept),
        "by_family": {f: round(sum(hs) / len(hs), 3) for f, hs in sorted(families.items())},
    }


def blind_quality(guard: Any, path: Path) -> dict[str, object]:
    """The blind PII split (``evals/guard/blind_pii``, written by an author who never saw the recognizers), value by
    value: a value counts as caught when the masked text no longer holds it and holds its ``[TYPE]``; a look-alike
    is kept when the text has no PII finding at all."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    caught: dict[str, list[bool]] = {}
    missed: list[str] = []
    for row in data["pii"]:
        masked = guard.validate(row["text"]).text
        for kind, values in row["values"].items():
            for value in values:
                hit = value not in masked and f"[{kind}]" in masked
                caught.setdefault(kind, []).append(hit)
                if not hit:
                    missed.append(f"{kind}: {value}")
    kept = [not any(f.check == "pii" for f in guard.validate(text).findings) for text in data["lookalikes"]]
    values = [hit for hits in caught.values() for hit in hits]
    return {
        "recall": round(sum(values) / len(values), 4),
        "lookalikes_kept": round(sum(kept) / len(kept), 4),
        "values": len(values),
        "lookalikes": len(kept),
        "by_type": {kind: round(sum(hits) / len(hits), 3) for kind, hits in sorted(caught.items())},
        "missed": missed,
        "lookalikes_masked": [t for t, k in zip(data["lookalikes"], kept, strict=True) if not k],
    }
