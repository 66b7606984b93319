"""Guard benchmark: latency of the default policy, PII quality beside Presidio, jailbreak/toxicity quality.

Run: ``.venv/bin/python bench/guard.py [--quick]``. Prints tables and writes ``bench/results/guard.json``.
Targets (issue 5): p50 <= 1 ms and p99 <= 5 ms on 2 KB; PII recall >= 0.98 on checksum entities;
jailbreak detection >= 0.90 with <= 0.05 false positives on the project's held-out set; no block of
repetitive or junk text (the rate is measured on generated families: looping prose, repeated short units,
random letters, punctuation and byte-fallback runs).
Presidio is optional (``pip install paramstack[guard]``); it runs regex-only and offline (a blank spaCy
pipeline saved to a temporary directory, no model download), on exactly the same PII texts.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from paramstack.guard import Guard
from paramstack.guard.scanners.checksums import iban_check_digits, luhn_complete, tckn_complete
from paramstack.guard.train import DATA_DIR, load_set, metrics

RESULTS = Path(__file__).parent / "results" / "guard.json"

PROSE = [
    "Merhaba, geçen hafta verdiğim siparişin durumunu öğrenmek istiyorum; kargo hâlâ yola çıkmadı görünüyor. ",
    "Could you summarise the attached quarterly report and list the three biggest risks for the board? ",
    "Toplantıyı perşembe saat 14:30'a aldık, lütfen sunumu bir gün önceden paylaşın. ",
    "The new onboarding flow reduced drop-off by 12 percent, but support tickets rose in the first week. ",
    "Kira sözleşmemde depozitonun ne zaman iade edileceği yazmıyor, bu konuda haklarım nelerdir? ",
    "Please write a friendly reminder to the team about the code freeze starting on Friday. ",
]
PII_SNIPPETS = ["Bana ali.veli@example.com.tr adresinden ulaşabilirsiniz. ", "Telefonum 0532 123 45 67. ",
                "IBAN: TR33 0006 1005 1978 6457 8413 26. "]


def make_text(size: int, seed: int) -> str:
    rng = random.Random(seed)
    parts: list[str] = []
    while sum(map(len, parts)) < size:
        parts.append(rng.choice(PROSE))
        if rng.random() < 0.15:
            parts.append(rng.choice(PII_SNIPPETS))
    return "".join(parts)[:size]


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50_ms": round(pick(0.5) * 1e3, 4), "p99_ms": round(pick(0.99) * 1e3, 4),
            "mean_ms": round(statistics.fmean(ordered) * 1e3, 4)}


def time_calls(fn: Any, inputs: list[str], repeat: int) -> list[float]:
    samples = []
    for i in range(repeat):
        text = inputs[i % len(inputs)]
        start = time.perf_counter()
        fn(text)
        samples.append(time.perf_counter() - start)
    return samples


def latency(guard: Guard, quick: bool) -> dict[str, Any]:
    report: dict[str, Any] = {}
    for label, size, repeat in (("200B", 200, 3000), ("2KB", 2048, 2000), ("20KB", 20480, 300)):
        repeat = repeat // 5 if quick else repeat
        texts = [make_text(size, seed) for seed in range(20)]
        for direction in ("input", "output"):
            time_calls(lambda t, d=direction: guard.validate(t, d), texts, 50)  # warm-up
            samples = time_calls(lambda t, d=direction: guard.validate(t, d), texts, repeat)
            report[f"{label}/{direction}"] = percentiles(samples) | {"n": repeat}
    text = make_text(2048, 99)

    def stream_once(t: str) -> None:
        stream = guard.stream("output")
        for i in range(0, len(t), 4):  # ~1 token per 4 characters
            stream.feed(t[i:i + 4])
        stream.finish()

    report["2KB/stream_4char_chunks_total"] = percentiles(time_calls(stream_once, [text], 50 if quick else 200))
    return report


def pii_dataset(seed: int = 5) -> list[tuple[str, set[str], str]]:
    """(text, expected entity types, kind). Checksum entities are generated valid; 'negative' texts hold
    the same shapes with a broken checksum and must produce no finding of that type."""
    rng = random.Random(seed)
    digits = lambda n: "".join(rng.choice("0123456789") for _ in range(n))  # noqa: E731
    rows: list[tuple[str, set[str], str]] = []
    countries = {"TR": lambda: digits(5) + "0" + digits(16), "DE": lambda: digits(18), "FR": lambda: digits(23),
                 "GB": lambda: "NWBK" + digits(14), "NL": lambda: "ABNA" + digits(10), "ES": lambda: digits(20)}
    for _ in range(60):
        tckn = tckn_complete(str(rng.randint(1, 9)) + digits(8))
        rows.append((f"Hastanın T.C. kimlik numarası {tckn}, randevu yarın.", {"TCKN"}, "checksum"))
        bad = tckn[:-1] + str((int(tckn[-1]) + 1) % 10)
        rows.append((f"Dosya numarası {bad}, randevu yarın.", set(), "negative:TCKN"))
        country = rng.choice(list(countries))
        bban = countries[country]()
        iban = f"{country}{iban_check_digits(country, bban)}{bban}"
        spaced = " ".join(iban[i:i + 4] for i in range(0, len(iban), 4)) if rng.random() < 0.5 else iban
        rows.append((f"Please wire the deposit to {spaced} by Friday.", {"IBAN"}, "checksum"))
        broken = iban[:2] + f"{(int(iban[2:4]) + 1) % 100:02d}" + iban[4:]
        rows.append((f"Reference {broken} is on the invoice.", set(), "negative:IBAN"))
        prefix = rng.choice(["4", "51", "55", "37", "6011"])
        card = luhn_complete(prefix + digits((15 if prefix == "37" else 16) - len(prefix) - 1))
        shown = " ".join(card[i:i + 4] for i in range(0, 16, 4)) if len(card) == 16 and rng.random() < 0.5 else card
        rows.append((f"My card number is {shown}, expiry next year.", {"CREDIT_CARD"}, "checksum"))
        wrong = card[:-1] + str((int(card[-1]) + 1) % 10)
        rows.append((f"Tracking code {wrong} for the parcel.", set(), "negative:CREDIT_CARD"))
    for _ in range(30):
        rows.append((f"Write to {rng.choice(['ayse', 'john.smith', 'm_kaya'])}{rng.randint(1, 99)}@example.com "
                     "please.", {"EMAIL"}, "pattern"))
        rows.append((f"Beni +90 5{digits(2)} {digits(3)} {digits(2)} {digits(2)} numarasından arayın.", {"PHONE"},
                     "pattern"))
        rows.append((f"The host at 10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)} is down.",
                     {"IP_ADDRESS"}, "pattern"))
        rows.append((f"SSN {rng.randint(100, 665)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)} on file.",
                     {"US_SSN"}, "pattern"))
        rows.append((f"Order {digits(6)} shipped in {rng.randint(2, 9)} boxes on 2024-0{rng.randint(1, 9)}-1"
                     f"{rng.randint(0, 9)}.", set(), "negative:plain"))
    return rows


def pii_quality(detect: Any, rows: list[tuple[str, set[str], str]]) -> dict[str, Any]:
    per_type: dict[str, dict[str, int]] = {}
    false_positive_texts = 0
    negatives = 0
    for text, expected, kind in rows:
        found = detect(text)
        for entity in expected:
            stats = per_type.setdefault(entity, {"expected": 0, "found": 0})
            stats["expected"] += 1
            stats["found"] += entity in found
        if kind.startswith("negative"):
            negatives += 1
            false_positive_texts += bool(found)
    checksum = [t for t in ("TCKN", "IBAN", "CREDIT_CARD") if t in per_type]
    recall = lambda ts: sum(per_type[t]["found"] for t in ts) / max(sum(per_type[t]["expected"] for t in ts), 1)  # noqa: E731
    return {"recall_checksum_entities": round(recall(checksum), 4), "recall_all": round(recall(list(per_type)), 4),
            "recall_by_type": {t: round(s["found"] / s["expected"], 4) for t, s in per_type.items()},
            "false_positive_rate_on_negatives": round(false_positive_texts / max(negatives, 1), 4),
            "negatives": negatives}


def presidio_detector() -> tuple[Any, str]:
    """A regex-only, offline Presidio AnalyzerEngine with its Turkish ID recognizer enabled."""
    import logging

    import spacy
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer.predefined_recognizers import SpacyRecognizer, TrNationalIdRecognizer

    # Presidio's e-mail recognizer asks tldextract for the public-suffix list over the network; offline it
    # falls back to the snapshot bundled with tldextract, after logging a traceback we silence here.
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)
    model_dir = Path(tempfile.mkdtemp(prefix="presidio-blank-")) / "en_blank"
    spacy.blank("en").to_disk(model_dir)
    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": str(model_dir)}]})
    registry = RecognizerRegistry()
    registry.load_predefined_recognizers(languages=["en"])
    registry.remove_recognizer(SpacyRecognizer.__name__)
    registry.add_recognizer(TrNationalIdRecognizer(supported_language="en"))
    engine = AnalyzerEngine(registry=registry, nlp_engine=provider.create_engine(), supported_languages=["en"])
    mapping = {"EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE", "CREDIT_CARD": "CREDIT_CARD", "IBAN_CODE": "IBAN",
               "US_SSN": "US_SSN", "IP_ADDRESS": "IP_ADDRESS", "TR_NATIONAL_ID": "TCKN"}
    entities = list(mapping)

    def detect(text: str) -> set[str]:
        return {mapping[r.entity_type] for r in engine.analyze(text, language="en", entities=entities)
                if r.score >= 0.5 and r.entity_type in mapping}

    import presidio_analyzer

    version = getattr(presidio_analyzer, "__version__", "")
    if not version:
        from importlib.metadata import version as dist_version

        version = dist_version("presidio-analyzer")
    return detect, version


def classifier_quality(guard: Guard, check: str, direction: str) -> dict[str, Any]:
    """The check alone (at the policy's threshold), and the whole policy's block rate on the same texts."""
    from paramstack.guard.normalize import normalize

    scanner = next(sc for spec, sc in guard._checks[direction] if spec.check == check)
    report: dict[str, Any] = {}
    for split in ("train", "heldout"):
        labelled = load_set(DATA_DIR / f"{check}_{split}.yaml", check)
        alone = [bool(scanner.scan(t, lambda t=t: normalize(t))) for t in labelled.texts]
        policy = [guard.validate(t, direction).action == "block" for t in labelled.texts]
        report[split] = metrics(alone, labelled.labels).as_dict()
        report[split + "_policy_blocks"] = metrics(policy, labelled.labels).as_dict()
    return report


def repetitive_texts(seed: int = 11) -> dict[str, list[str]]:
    """Innocent texts that repeat or carry no content, by family (what small models emit when they loop)."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    unit = lambda k: "".join(rng.choice(letters) for _ in range(k))  # noqa: E731
    return {
        "prose_looped_2KB": [(p * 40)[:2048] for p in PROSE],
        "unit_1_3_letters": [unit(rng.randint(1, 3)) * rng.randint(3, 300) for _ in range(400)],
        "unit_1_3_letters_spaced": [(unit(rng.randint(1, 3)) + " ") * rng.randint(3, 200) for _ in range(200)],
        "random_letters": [unit(rng.randint(1, 400)) for _ in range(200)],
        "random_words": [" ".join(unit(rng.randint(1, 10)) for _ in range(rng.randint(1, 80))) for _ in range(200)],
        "symbol_runs": [rng.choice("!?.-=*#_~+|/\\\ufffd\U0001f602") * rng.randint(3, 2048) for _ in range(100)],
    }


def repetitive_block_rates(guard: Guard) -> dict[str, Any]:
    """Share of each family the policy blocks (input or output); every one of them is a false positive."""
    report: dict[str, Any] = {}
    for family, texts in repetitive_texts().items():
        blocked = [t for t in texts if any(guard.validate(t, d).action == "block" for d in ("input", "output"))]
        report[family] = {"block_rate": round(len(blocked) / len(texts), 4), "n": len(texts),
                          "examples": sorted({t[:24] for t in blocked})[:5]}
    return report


def adversarial_times(guard: Guard) -> dict[str, float]:
    cases = {"digits_100k": "1" * 100_000, "email_ish_100k": "a." * 50_000 + "@", "ats_100k": "a@" * 50_000,
             "colons_100k": "a:" * 50_000, "spaced_letters_100k": "a " * 50_000, "ignore_x14k": "ignore " * 14_000,
             "binary_100k": bytes(range(256)).decode("latin-1") * 390}
    out = {}
    for name, text in cases.items():
        start = time.perf_counter()
        guard.validate(text, "input")
        out[name + "_ms"] = round((time.perf_counter() - start) * 1e3, 2)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    guard = Guard.from_policy_name("default")
    result: dict[str, Any] = {"policy": "default", "latency": latency(guard, args.quick)}

    rows = pii_dataset()
    ours = lambda text: {f.type for f in guard.validate(text).findings if f.check == "pii"}  # noqa: E731
    result["pii"] = {"paramstack": pii_quality(ours, rows), "texts": len(rows)}
    two_kb = [make_text(2048, seed) for seed in range(20)]
    result["pii"]["paramstack"]["latency_2KB"] = percentiles(time_calls(
        lambda t: guard._checks["input"][0][1].scan(t, lambda: None), two_kb, 400))  # PII scanner alone
    try:
        detect, version = presidio_detector()
        detect(two_kb[0])  # warm-up
        result["pii"]["presidio"] = pii_quality(detect, rows) | {"version": version, "mode": "regex-only, offline"}
        result["pii"]["presidio"]["latency_2KB"] = percentiles(time_calls(detect, two_kb, 100))
    except Exception as error:  # noqa: BLE001 - any failure here is the finding to report
        result["pii"]["presidio"] = {"unavailable": f"{type(error).__name__}: {error}"}

    result["jailbreak"] = classifier_quality(guard, "jailbreak", "input")
    result["toxicity"] = classifier_quality(guard, "toxicity", "input")
    result["repetitive_false_blocks"] = repetitive_block_rates(guard)
    result["adversarial_100KB"] = adversarial_times(guard)
    result["machine"] = {"load_average_1m": round(__import__("os").getloadavg()[0], 2),
                         "cpus": __import__("os").cpu_count()}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print_tables(result)
    return 0


def print_tables(result: dict[str, Any]) -> None:
    print("\nLatency, default policy (ms)        p50        p99       mean")
    for name, row in result["latency"].items():
        print(f"  {name:32s} {row['p50_ms']:9.3f}  {row['p99_ms']:9.3f}  {row['mean_ms']:9.3f}")
    print("\nPII                      recall(checksum)  recall(all)  FP rate(negatives)  p50 2KB ms")
    for name, row in result["pii"].items():
        if not isinstance(row, dict):
            continue
        if "unavailable" in row:
            print(f"  {name:22s} unavailable: {row['unavailable']}")
            continue
        print(f"  {name:22s} {row['recall_checksum_entities']:16.3f}  {row['recall_all']:11.3f}  "
              f"{row['false_positive_rate_on_negatives']:18.3f}  {row['latency_2KB']['p50_ms']:10.3f}")
        print(f"  {'':22s} by type: {row['recall_by_type']}")
    print("\nCheck alone, and (policy) = whole default policy blocks   precision  recall  FP rate   n+/n-")
    for check in ("jailbreak", "toxicity"):
        for split, row in result[check].items():
            split = split.replace("_policy_blocks", " (policy)")
            print(f"  {check + '/' + split:32s} {row['precision']:9.3f} {row['recall']:7.3f} "
                  f"{row['false_positive_rate']:8.3f}   {row['positives']}/{row['negatives']}")
    print("\nRepetitive / junk texts blocked (all false positives)   block rate      n   examples")
    for family, row in result["repetitive_false_blocks"].items():
        print(f"  {family:40s} {row['block_rate']:13.3f} {row['n']:6d}   {row['examples']}")
    print("\nAdversarial 100 KB inputs (ms):", result["adversarial_100KB"])
    print(f"\nwrote {RESULTS}")


if __name__ == "__main__":
    sys.exit(main())
