"""The audit chain on SQLite and on real PostgreSQL: tampering is detected and located, concurrent
appends from threads and processes keep the chain valid, export filters, damaged databases answer a
verdict instead of a traceback."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from paramstack.attest.audit import AuditEntry, AuditLog, entry_hash
from paramstack.attest.audit_verify import verify_audit_chain
from paramstack.attest.errors import AttestationInputError
from paramstack.attest.keys import KeyRing, SigningKey
from paramstack.attest.tables import audit_checkpoints, audit_entries, audit_head
from paramstack.attest.verdict import Problem
from paramstack.storage.database import create_db_engine

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _entry(i: int, org: str = "org_a", **overrides) -> AuditEntry:
    fields = dict(
        request_id=f"chatcmpl-{i}",
        org_id=org,
        model="paramstack-tiny",
        status="ok",
        api_key_id="key_123",
        adapter="support-v1",
        prompt_tokens=10 + i,
        completion_tokens=20,
        cost_micros=1500 + i,
        latency_ms=42,
        guard={"pii.email": i % 3},
        attestation_sha256="c" * 64,
        timestamp=T0 + timedelta(minutes=i),
    )
    fields.update(overrides)
    return AuditEntry(**fields)


def _filled(engine, keyring, n=20, every=5) -> AuditLog:
    log = AuditLog(engine, keyring, checkpoint_every=every, checkpoint_interval_s=3600)
    for i in range(1, n + 1):
        log.append(_entry(i))
    return log


def _problems(verdict):
    return [(f.problem, f.where) for f in verdict.findings]


def test_append_and_verify(engine, keyring):
    log = _filled(engine, keyring)
    assert log.head().seq == 20
    verdict = verify_audit_chain(engine, keyring)
    assert verdict, verdict.findings
    assert verdict.details["entries"] == 20 and verdict.details["checkpoints"] == 4


def test_an_edited_row_is_found(engine, keyring):
    _filled(engine, keyring)
    with engine.begin() as conn:
        conn.execute(audit_entries.update().where(audit_entries.c.seq == 7).values(cost_micros=1))
    verdict = verify_audit_chain(engine, keyring)
    assert _problems(verdict) == [(Problem.MODIFIED, 7)]


def test_an_edited_row_with_recomputed_hash_is_found(engine, keyring):
    _filled(engine, keyring)
    with engine.begin() as conn:
        row = conn.execute(sa.select(audit_entries).where(audit_entries.c.seq == 8)).mappings().one()
        forged = {**row, "completion_tokens": 1}
        conn.execute(
            audit_entries.update()
            .where(audit_entries.c.seq == 8)
            .values(completion_tokens=1, entry_hash=entry_hash(forged))
        )
    verdict = verify_audit_chain(engine, keyring)
    assert (Problem.BROKEN_LINK, 8) in _problems(verdict)


def test_a_deleted_row_is_found(engine, keyring):
    _filled(engine, keyring)
    with engine.begin() as conn:
        conn.execute(audit_entries.delete().where(audit_entries.c.seq == 12))
    verdict = verify_audit_chain(engine, keyring)
    assert _problems(verdict)[0] == (Problem.DELETED, 12)


def test_deleting_the_last_row_is_found(engine, keyring):
    _filled(engine, keyring, n=13)
    with engine.begin() as conn:
        conn.execute(audit_entries.delete().where(audit_entries.c.seq == 13))
    assert (Problem.DELETED, 13) in _problems(verify_audit_chain(engine, keyring))


def test_reordered_rows_are_found(engine, keyring):
    _filled(engine, keyring)
    with engine.begin() as conn:  # swap rows 9 and 10 (the table's order is its seq)
        conn.execute(audit_entries.update().where(audit_entries.c.seq == 9).values(seq=-1))
        conn.execute(audit_entries.update().where(audit_entries.c.seq == 10).values(seq=9))
        conn.execute(audit_entries.update().where(audit_entries.c.seq == -1).values(seq=10))
    verdict = verify_audit_chain(engine, keyring)
    assert _problems(verdict)[0] == (Problem.REORDERED, 9)
    assert all(f.problem is not Problem.MODIFIED for f in verdict.findings)


def test_an_inserted_row_is_found(engine, keyring):
    _filled(engine, keyring, n=12, every=100)
    with engine.begin() as conn:  # make room after seq 5 and insert a well-formed forged entry there
        for seq in range(12, 5, -1):
            conn.execute(audit_entries.update().where(audit_entries.c.seq == seq).values(seq=seq + 1))
        prev = conn.execute(sa.select(audit_entries.c.entry_hash).where(audit_entries.c.seq == 5)).scalar()
        row = {**_entry(99).row(0), "prev_hash": prev}
        row["entry_hash"] = entry_hash(row)
        conn.execute(audit_entries.insert().values(seq=6, **row))
    verdict = verify_audit_chain(engine, keyring)
    assert (Problem.INSERTED, 6) in _problems(verdict)


def test_a_consistent_rewrite_of_the_whole_chain_is_caught_by_signed_checkpoints(engine, keyring):
    _filled(engine, keyring, n=10, every=5)
    with engine.begin() as conn:  # recompute every hash after changing row 3: links all consistent
        rows = conn.execute(sa.select(audit_entries).order_by(audit_entries.c.seq)).mappings().all()
        prev = "0" * 64
        for row in rows:
            new = {**row, "prev_hash": prev, "cost_micros": 0 if row["seq"] == 3 else row["cost_micros"]}
            new["entry_hash"] = prev = entry_hash(new)
            conn.execute(
                audit_entries.update()
                .where(audit_entries.c.seq == row["seq"])
                .values(prev_hash=new["prev_hash"], entry_hash=new["entry_hash"], cost_micros=new["cost_micros"])
            )
        conn.execute(audit_head.update().values(entry_hash=prev))
    verdict = verify_audit_chain(engine, keyring)
    # checkpoints were signed at seq 1 (the first append) and 6; the one after the change catches it
    assert _problems(verdict) == [(Problem.CHECKPOINT_MISMATCH, 6)]
    # and forging the checkpoint's hash too breaks its signature
    with engine.begin() as conn:
        conn.execute(audit_checkpoints.update().where(audit_checkpoints.c.seq == 6).values(entry_hash=prev))
    assert Problem.BAD_SIGNATURE in [p for p, _ in _problems(verify_audit_chain(engine, keyring))]


def test_checkpoints_by_an_unknown_key_are_reported(engine, keyring):
    _filled(engine, keyring, n=6, every=3)
    verdict = verify_audit_chain(engine, KeyRing([SigningKey.generate().public]))
    assert {p for p, _ in _problems(verdict)} == {Problem.UNKNOWN_KEY}


def test_export_filters_by_tenant_and_time(engine, keyring):
    log = _filled(engine, keyring, n=6)
    log.append(_entry(7, org="org_b"))
    rows = list(log.export(org_id="org_b"))
    assert [r["request_id"] for r in rows] == ["chatcmpl-7"]
    rows = list(log.export(since=T0 + timedelta(minutes=5)))
    assert [r["seq"] for r in rows] == [5, 6, 7]
    assert rows[0]["guard"] == {"pii.email": 2} and rows[0]["timestamp"].endswith("Z")
    assert set(rows[0]) == {  # there is no field for prompt or output text
        "seq",
        "timestamp",
        "request_id",
        "org_id",
        "api_key_id",
        "model",
        "adapter",
        "prompt_tokens",
        "completion_tokens",
        "cost_micros",
        "guard",
        "status",
        "http_status",
        "latency_ms",
        "attestation_sha256",
        "prev_hash",
        "entry_hash",
    }


def test_entries_are_validated_and_hold_no_text():
    with pytest.raises(AttestationInputError):
        _entry(1, guard={"pii.email": "john@example.com"})  # counts only, never the matched text
    with pytest.raises(AttestationInputError):
        _entry(1, cost_micros=-1)
    with pytest.raises(AttestationInputError):
        _entry(1, org_id="")


def test_concurrent_appends_from_threads_keep_the_chain(engine, keyring):
    log = AuditLog(engine, keyring, checkpoint_every=25)
    with ThreadPoolExecutor(max_workers=6) as pool:
        receipts = list(pool.map(lambda i: log.append(_entry(i)), range(1, 121)))
    assert sorted(r.seq for r in receipts) == list(range(1, 121))
    verdict = verify_audit_chain(engine, keyring)
    assert verdict, verdict.findings[:3]


def _append_in_process(args) -> int:
    url, worker, count = args
    engine = create_db_engine(url)
    log = AuditLog(engine, KeyRing(signing_key=SigningKey.generate()), checkpoint_every=10)
    for i in range(count):
        log.append(_entry(worker * 1000 + i))
    engine.dispose()
    return count


def test_concurrent_appends_from_processes_keep_the_chain(engine, database_url):
    context = multiprocessing.get_context("spawn")
    with context.Pool(3) as pool:
        assert sum(pool.map(_append_in_process, [(database_url, w, 30) for w in range(3)])) == 90
    verdict = verify_audit_chain(engine, None)
    assert verdict and verdict.details["entries"] == 90, verdict.findings[:3]


def test_a_corrupted_sqlite_file_gives_a_verdict(tmp_path):
    path = tmp_path / "broken.db"
    path.write_bytes(b"this is not a database" * 100)
    verdict = verify_audit_chain(create_db_engine(f"sqlite:///{path}"))
    assert verdict.problem is Problem.UNREADABLE and "cannot be read" in verdict.message


def test_a_missing_head_row_is_reported(engine, keyring):
    _filled(engine, keyring, n=3)
    with engine.begin() as conn:
        conn.execute(audit_head.delete())
    assert Problem.UNREADABLE in [p for p, _ in _problems(verify_audit_chain(engine, keyring))]
    from paramstack.attest.errors import AuditLogUnavailable

    with pytest.raises(AuditLogUnavailable):
        AuditLog(engine, keyring).append(_entry(4))
