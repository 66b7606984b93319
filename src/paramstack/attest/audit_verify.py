"""Verify the audit chain and name every modified, deleted, inserted or reordered entry.

One pass in sequence order, constant memory: each row's hash is recomputed from its fields (a mismatch
is a *modified* entry) and its ``prev_hash`` is compared with the previous row's hash. A broken link is
diagnosed by asking which entry the row really follows (an indexed lookup, only on anomalies):
  - nobody, with a gap in sequence numbers          -> the entries in the gap were *deleted*
  - nobody, no gap                                    -> deleted-and-renumbered, or the previous entry was
                                                         rewritten with a recomputed hash (*broken_link*)
  - an entry further down the table                  -> this entry is *reordered*
  - an entry further up, skipping rows in between    -> the skipped rows were *inserted*
Then the head row must match the last entry (a cut-off or extended tail), and every signed checkpoint
must verify and match the entry at its sequence number (a consistent rewrite of the whole chain).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from cryptography import x509
from sqlalchemy.engine import Connection, Engine

from paramstack.attest.audit import GENESIS_HASH, entry_hash
from paramstack.attest.checkpoints import Checkpoint, check_checkpoint_signature
from paramstack.attest.keys import KeyRing
from paramstack.attest.tables import HEAD_ID, audit_checkpoints, audit_entries, audit_head
from paramstack.attest.timestamps import check_timestamp
from paramstack.attest.verdict import Finding, Problem, Verdict

_Add = Callable[[Problem, str, "str | int"], None]


@dataclass
class _Prev:
    seq: int
    entry_hash: str


def verify_audit_chain(
    engine: Engine,
    keyring: KeyRing | None = None,
    *,
    max_findings: int = 100,
    tsa_roots: list[x509.Certificate] | None = None,
) -> Verdict:
    """Valid, or the findings (up to ``max_findings``) naming each damaged entry by sequence number.
    With ``tsa_roots``, the RFC 3161 tokens of the checkpoints are verified too."""
    started = time.perf_counter()
    try:
        with engine.connect() as conn:
            return _verify(conn, keyring, max_findings, started, tsa_roots)
    except sa.exc.DBAPIError as error:
        message = str(error.orig or error).splitlines()[0][:300]
        return Verdict.fail(Problem.UNREADABLE, f"the audit database cannot be read: {message}", "database")


def _verify(
    conn: Connection,
    keyring: KeyRing | None,
    max_findings: int,
    started: float,
    tsa_roots: list[x509.Certificate] | None,
) -> Verdict:
    findings: list[Finding] = []
    total = 0

    def add(problem: Problem, message: str, where: str | int) -> None:
        nonlocal total
        total += 1
        if len(findings) < max_findings:
            findings.append(Finding(problem, message, where))

    checkpoints = [
        Checkpoint.from_row(r)
        for r in conn.execute(sa.select(audit_checkpoints).order_by(audit_checkpoints.c.id)).mappings()
    ]
    if keyring is not None:
        for checkpoint in checkpoints:
            finding = check_checkpoint_signature(checkpoint, keyring)
            if finding is not None:
                add(finding.problem, finding.message, finding.where or "checkpoint")
    stamped = 0
    if tsa_roots:
        for checkpoint in checkpoints:
            if checkpoint.tsa_token is not None:
                stamped += 1
                _, problem = check_timestamp(checkpoint.tsa_token, checkpoint.signature_bytes(), tsa_roots)
                if problem:
                    add(Problem.BAD_TIMESTAMP, f"checkpoint {checkpoint.id}: {problem}", f"checkpoint {checkpoint.id}")
    by_seq: dict[int, list[Checkpoint]] = {}
    for checkpoint in checkpoints:
        by_seq.setdefault(checkpoint.seq, []).append(checkpoint)

    prev: _Prev | None = None
    reordered: set[int] = set()
    matched: set[int] = set()  # checkpoint seqs found in the table
    count = 0
    rows = conn.execution_options(yield_per=5000).execute(sa.select(audit_entries).order_by(audit_entries.c.seq))
    for row in rows.mappings():
        count += 1
        seq = row["seq"]
        try:
            intact = entry_hash(row) == row["entry_hash"]
        except (TypeError, ValueError):
            intact = False
        if not intact:
            add(
                Problem.MODIFIED,
                f"entry seq {seq} was changed after it was written (its fields no longer match its hash)",
                seq,
            )
        expected_seq = prev.seq + 1 if prev else 1
        expected_prev = prev.entry_hash if prev else GENESIS_HASH
        if row["prev_hash"] == expected_prev:
            if seq != expected_seq:
                add(
                    Problem.MODIFIED,
                    f"entry seq {seq} was renumbered: it directly follows entry seq {expected_seq - 1}",
                    seq,
                )
        else:
            _diagnose_link(conn, seq, row["prev_hash"], prev, expected_seq, reordered, add)
        for checkpoint in by_seq.get(seq, ()):
            matched.add(seq)
            if checkpoint.entry_hash != row["entry_hash"]:
                add(
                    Problem.CHECKPOINT_MISMATCH,
                    f"checkpoint {checkpoint.id} signed the chain at seq {seq} "
                    f"with hash {checkpoint.entry_hash[:16]}..., the chain now has {row['entry_hash'][:16]}...: "
                    f"entries up to seq {seq} were rewritten",
                    seq,
                )
        prev = _Prev(seq, row["entry_hash"])

    head = conn.execute(sa.select(audit_head).where(audit_head.c.id == HEAD_ID)).mappings().first()
    last_seq, last_hash = (prev.seq, prev.entry_hash) if prev else (0, GENESIS_HASH)
    if head is None:
        add(Problem.UNREADABLE, "the chain head row is missing: the audit database is damaged", "head")
    elif head["seq"] > last_seq:
        add(
            Problem.DELETED,
            f"the last entries were deleted: the head records seq {head['seq']}, the table ends at seq {last_seq}",
            last_seq + 1,
        )
    elif head["seq"] < last_seq:
        add(
            Problem.INSERTED,
            f"entries after seq {head['seq']} were added outside the audit log "
            f"(the head records seq {head['seq']}, the table ends at seq {last_seq})",
            head["seq"] + 1,
        )
    elif head["entry_hash"] != last_hash:
        add(Problem.HEAD_MISMATCH, f"the head's hash does not match entry seq {last_seq}", last_seq)
    for checkpoint in checkpoints:
        if checkpoint.seq not in matched:
            add(
                Problem.DELETED,
                f"checkpoint {checkpoint.id} covers seq {checkpoint.seq}, which is missing",
                checkpoint.seq,
            )
    details = {
        "entries": count,
        "head_seq": head["seq"] if head else None,
        "checkpoints": len(checkpoints),
        "checkpoint_signatures_checked": keyring is not None,
        "checkpoint_timestamps_checked": stamped if tsa_roots else None,
        "last_checkpoint_seq": max((c.seq for c in checkpoints), default=None),
        "findings_total": total,
        "seconds": round(time.perf_counter() - started, 3),
    }
    return Verdict(tuple(findings), details)


def _diagnose_link(
    conn: Connection, seq: int, prev_hash: str, prev: _Prev | None, expected_seq: int, reordered: set[int], add: _Add
) -> None:
    owner = conn.execute(
        sa.select(audit_entries.c.seq)
        .where(audit_entries.c.entry_hash == prev_hash)
        .order_by(audit_entries.c.seq)
        .limit(1)
    ).scalar()
    if owner is None:
        if seq > expected_seq:
            gap = str(expected_seq) if seq == expected_seq + 1 else f"{expected_seq}-{seq - 1}"
            add(
                Problem.DELETED,
                f"entry seq {gap} was deleted (entry seq {seq} follows an entry that is gone)",
                expected_seq if seq == expected_seq + 1 else gap,
            )
        elif prev is None:
            add(Problem.DELETED, f"the entries before seq {seq} were deleted", seq)
        else:
            add(
                Problem.BROKEN_LINK,
                f"entry seq {seq} does not follow entry seq {prev.seq}: an entry between "
                f"them was deleted and the rest renumbered, or entry seq {prev.seq} was rewritten",
                prev.seq,
            )
    elif owner > seq:
        reordered.add(seq)
        add(Problem.REORDERED, f"entry seq {seq} is out of order: it was written after entry seq {owner}", seq)
    elif prev is not None and owner < prev.seq and prev.seq not in reordered and owner not in reordered:
        skipped = str(prev.seq) if owner == prev.seq - 1 else f"{owner + 1}-{prev.seq}"
        add(
            Problem.INSERTED,
            f"entry seq {skipped} was inserted: entry seq {seq} directly follows entry seq {owner}",
            prev.seq if owner == prev.seq - 1 else skipped,
        )
