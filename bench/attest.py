"""Benchmark attestation: sign/verify latency per response, audit append throughput, audit verify time.

    .venv/bin/python bench/attest.py [--quick] [--postgres URL]

Each figure comes with a baseline measured in the same run (bare Ed25519 for signing, a plain INSERT
for appends), so the ratio is what to compare across machines. Prints a table, writes
bench/results/attest.json. Not a test: nothing here gates CI.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from paramstack.attest.audit import AuditEntry, AuditLog
from paramstack.attest.audit_verify import verify_audit_chain
from paramstack.attest.canonical import canonical_json
from paramstack.attest.keys import KeyRing, SigningKey
from paramstack.attest.response import request_sha256, sign_output, verify_output
from paramstack.attest.tables import audit_entries
from paramstack.storage.database import create_db_engine
from paramstack.storage.migrate import upgrade_to_head

RESULTS = Path(__file__).parent / "results" / "attest.json"
OUTPUT = ("Merhaba! Bu yanıt paramstack tarafından üretildi ve imzalandı. " * 16)[:1000]  # ~1 KB answer


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 4),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 4),
    }


def timed(fn: Callable[[], object], n: int) -> list[float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def bench_sign_verify(n: int) -> dict[str, object]:
    keyring = KeyRing(signing_key=SigningKey.generate())
    request_hash = request_sha256({"model": "paramstack-tiny", "messages": [{"role": "user", "content": "Merhaba"}]})

    def sign():
        return sign_output(
            "paramstack-tiny",
            OUTPUT,
            key=keyring,
            org_id="org_medical",
            request_id="chatcmpl-1",
            adapter_id="medical-v1",
            adapter_manifest_sha256="a" * 64,
            request_sha256=request_hash,
            sampling={"temperature": 0.7, "top_p": 0.95, "max_tokens": 256},
            usage={"prompt_tokens": 120, "completion_tokens": 256},
        )

    signed = sign()
    body = signed.to_dict()
    message = canonical_json(signed.payload)
    timed(sign, 200)  # warm-up
    sign_samples = timed(sign, n)
    verify_samples = timed(lambda: verify_output(body, OUTPUT, keyring), n)
    raw_sign = timed(lambda: keyring.signer.sign(message), n)
    raw_verify = timed(lambda: keyring.signer.public.verify(signed.signature, message), n)
    result = {
        "sign": percentiles(sign_samples),
        "verify": percentiles(verify_samples),
        "ed25519_sign_baseline": percentiles(raw_sign),
        "ed25519_verify_baseline": percentiles(raw_verify),
        "payload_bytes": len(message),
        "output_bytes": len(OUTPUT.encode()),
    }
    result["sign_vs_ed25519_p50"] = round(result["sign"]["p50_ms"] / result["ed25519_sign_baseline"]["p50_ms"], 2)
    return result


def _entry(i: int) -> AuditEntry:
    return AuditEntry(
        request_id=f"chatcmpl-{i}",
        org_id=f"org_{i % 7}",
        model="paramstack-tiny",
        status="ok",
        api_key_id="key_abc",
        adapter="support-v1",
        prompt_tokens=120,
        completion_tokens=256,
        cost_micros=4200,
        latency_ms=310,
        guard={"pii.email": i % 2},
        attestation_sha256="c" * 64,
    )


def bench_audit(url: str, appends: int, verify_entries: int) -> dict[str, object]:
    engine = create_db_engine(url)
    upgrade_to_head(engine)
    keyring = KeyRing(signing_key=SigningKey.generate())
    log = AuditLog(engine, keyring, checkpoint_every=1000)
    start = time.perf_counter()
    for i in range(appends):
        log.append(_entry(i))
    single = appends / (time.perf_counter() - start)
    start = time.perf_counter()
    batches = max(1, appends // 100)
    for b in range(batches):
        log.append_many([_entry(b * 100 + i) for i in range(100)])
    batched = batches * 100 / (time.perf_counter() - start)
    # baseline: the same row, one INSERT per transaction, no chain head, no hashing
    row = {**_entry(0).row(0), "prev_hash": "0" * 64, "entry_hash": "0" * 64}
    start = time.perf_counter()
    for i in range(appends):
        with engine.begin() as conn:
            conn.execute(audit_entries.insert().values(seq=-(i + 1), **row))
    plain = appends / (time.perf_counter() - start)
    with engine.begin() as conn:
        conn.execute(audit_entries.delete().where(audit_entries.c.seq < 0))
    # fill up to verify_entries, then time a full verification
    have = log.head().seq
    while have < verify_entries:
        size = min(2000, verify_entries - have)
        log.append_many([_entry(have + i) for i in range(size)])
        have += size
    start = time.perf_counter()
    verdict = verify_audit_chain(engine, keyring.without_signer())
    verify_s = time.perf_counter() - start
    engine.dispose()
    return {
        "appends_per_s": round(single),
        "batched_appends_per_s": round(batched),
        "plain_insert_per_s_baseline": round(plain),
        "append_vs_plain_insert": round(single / plain, 2),
        "verify_entries": have,
        "verify_valid": verdict.valid,
        "verify_s": round(verify_s, 3),
        "verify_s_per_100k": round(verify_s * 100_000 / have, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Small counts (a smoke run).")
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="PostgreSQL URL ('' to skip); a throw-away schema is used and dropped.",
    )
    args = parser.parse_args()
    n, appends, verify_entries = (1000, 300, 5000) if args.quick else (20000, 2000, 100_000)
    results: dict[str, object] = {
        "machine": platform.platform(),
        "python": sys.version.split()[0],
        "responses": bench_sign_verify(n),
    }
    with tempfile.TemporaryDirectory() as tmp:
        results["audit_sqlite"] = bench_audit(f"sqlite:///{tmp}/bench.db", appends, verify_entries)
    if args.postgres:
        results["audit_postgres"] = _with_schema(args.postgres, appends, verify_entries)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    _print_table(results)
    return 0


def _with_schema(url: str, appends: int, verify_entries: int) -> dict[str, object]:
    admin = create_db_engine(url)
    schema = f"bench_attest_{uuid.uuid4().hex[:8]}"
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as error:
        return {"skipped": f"PostgreSQL unreachable: {str(error.orig).splitlines()[0]}"}
    try:
        return bench_audit(f"{url}?options=-csearch_path%3D{schema}", appends, verify_entries)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _print_table(results: dict[str, object]) -> None:
    r = results["responses"]
    rows = [
        (
            "sign (JCS + Ed25519), per response",
            f"p50 {r['sign']['p50_ms']} ms",
            f"p99 {r['sign']['p99_ms']} ms",
            f"bare Ed25519 p50 {r['ed25519_sign_baseline']['p50_ms']} ms (x{r['sign_vs_ed25519_p50']})",
        ),
        (
            "verify, per response",
            f"p50 {r['verify']['p50_ms']} ms",
            f"p99 {r['verify']['p99_ms']} ms",
            f"bare Ed25519 p50 {r['ed25519_verify_baseline']['p50_ms']} ms",
        ),
    ]
    for name in ("audit_sqlite", "audit_postgres"):
        a = results.get(name)
        if not a:
            continue
        if "skipped" in a:
            rows.append((name, a["skipped"], "", ""))
            continue
        rows.append(
            (
                f"{name}: append",
                f"{a['appends_per_s']}/s",
                f"batched(100) {a['batched_appends_per_s']}/s",
                f"plain INSERT {a['plain_insert_per_s_baseline']}/s (x{a['append_vs_plain_insert']})",
            )
        )
        rows.append(
            (
                f"{name}: verify {a['verify_entries']} entries",
                f"{a['verify_s']} s",
                f"{a['verify_s_per_100k']} s per 100K",
                f"valid={a['verify_valid']}",
            )
        )
    widths = [max(len(str(row[i])) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
    print(f"written: {RESULTS}")


if __name__ == "__main__":
    raise SystemExit(main())
