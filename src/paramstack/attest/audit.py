"""The audit log: one hash-chained row per request, appended cheaply and safely from many processes.

Each entry stores the previous entry's hash and its own: ``entry_hash = SHA-256(JCS(fields + prev_hash))``.
An entry records who called what and what it cost, never the prompt or output text: the guard summary is
finding *counts* by category, so matched PII cannot leak into the log by construction.

Concurrency: an append is one transaction that first UPDATEs the single chain-head row (allocating the
sequence numbers). In PostgreSQL that row lock queues other appenders until commit; in SQLite the
UPDATE takes the database write lock (busy_timeout waits for it). A transaction that starts with a write
cannot hit SQLite's "read then upgrade" deadlock, and it works unchanged on both databases.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, RowMapping

from paramstack.attest.canonical import (
    HEX64,
    canonical_json,
    format_time,
    from_micros,
    sha256_hex,
    to_micros,
    utc_now,
)
from paramstack.attest.checkpoints import Checkpoint, sign_checkpoint
from paramstack.attest.errors import AttestationInputError, AuditLogUnavailable, SigningKeyUnavailable
from paramstack.attest.keys import KeyRing, SigningKey
from paramstack.attest.tables import HEAD_ID, audit_checkpoints, audit_entries, audit_head
from paramstack.attest.timestamps import TimestampAuthority

GENESIS_HASH = "0" * 64
_MAX_INT = 2**53 - 1  # JSON-safe integers (JCS, JavaScript verifiers)
_HASHED = (
    "ts_us",
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
)
_LIMITS = {"request_id": 128, "org_id": 64, "api_key_id": 32, "model": 200, "adapter": 200, "status": 32}

# The append's statements, built once: building a SQLAlchemy statement (coercions, cache key) cost three
# times what executing it does, and an append runs three of them.
_ALLOCATE = (
    audit_head.update()
    .where(audit_head.c.id == HEAD_ID)
    .values(seq=audit_head.c.seq + sa.bindparam("count", type_=sa.BigInteger))
    .returning(audit_head.c.seq, audit_head.c.entry_hash, audit_head.c.checkpoint_seq, audit_head.c.checkpoint_ts_us)
)
_SET_HEAD = audit_head.update().where(audit_head.c.id == HEAD_ID).values(entry_hash=sa.bindparam("head_hash"))
_SET_HEAD_AND_CHECKPOINT = _SET_HEAD.values(
    checkpoint_seq=sa.bindparam("head_seq"), checkpoint_ts_us=sa.bindparam("head_ts_us")
)
_INSERT_ENTRIES = audit_entries.insert()
_INSERT_CHECKPOINT = audit_checkpoints.insert()
_HASH_AT = sa.select(audit_entries.c.entry_hash).where(audit_entries.c.seq == sa.bindparam("seq"))


@dataclass(frozen=True)
class AuditEntry:
    """One request as the audit log records it. Money in integer micro-units, latency in milliseconds."""

    request_id: str
    org_id: str
    model: str
    status: str  # the outcome: "ok", "cancelled", "refused", "error" (paramstack.calls.OutcomeKind)
    http_status: int = 200
    api_key_id: str | None = None
    adapter: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_micros: int = 0
    latency_ms: int = 0
    guard: Mapping[str, int] = field(default_factory=dict)  # e.g. {"pii.email": 2}: counts, never text
    attestation_sha256: str | None = None  # SignedAttestation.digest()
    timestamp: datetime | None = None  # default: when appended
    # The outcome's code ("model_not_found", "content_filter"...) and the names of the tools the model
    # called, in order: ids and names, never arguments.
    code: str | None = None
    tools: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name, limit in _LIMITS.items():
            value = getattr(self, name)
            if value is None and name in ("api_key_id", "adapter"):
                continue
            if not isinstance(value, str) or not value or len(value) > limit:
                raise AttestationInputError(f"audit entry: {name} must be a string of 1..{limit} characters")
        for name in ("http_status", "prompt_tokens", "completion_tokens", "cost_micros", "latency_ms"):
            _check_int(name, getattr(self, name))
        if not isinstance(self.guard, Mapping) or len(self.guard) > 64:
            raise AttestationInputError("audit entry: guard must map at most 64 categories to counts")
        for category, count in self.guard.items():
            if not isinstance(category, str) or not 0 < len(category) <= 64 or not category.isascii():
                raise AttestationInputError("audit entry: guard categories are short ASCII names")
            _check_int(f"guard[{category}]", count)
        if self.code is not None and not (
            isinstance(self.code, str) and 0 < len(self.code) <= 64 and self.code.isascii()
        ):
            raise AttestationInputError("audit entry: code must be a short ASCII name")
        if len(self.tools) > 128 or not all(isinstance(t, str) and 0 < len(t) <= 64 for t in self.tools):
            raise AttestationInputError("audit entry: tools are at most 128 names of 1..64 characters")
        if self.attestation_sha256 is not None and not (
            isinstance(self.attestation_sha256, str) and HEX64.match(self.attestation_sha256)
        ):
            raise AttestationInputError("audit entry: attestation_sha256 must be 64 lowercase hex digits")

    def row(self, now_us: int) -> dict[str, Any]:
        return {
            "ts_us": to_micros(self.timestamp) if self.timestamp else now_us,
            "request_id": self.request_id,
            "org_id": self.org_id,
            "api_key_id": self.api_key_id,
            "model": self.model,
            "adapter": self.adapter,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost_micros": self.cost_micros,
            "guard": canonical_json(dict(self.guard)).decode("ascii"),
            "status": self.status,
            "http_status": self.http_status,
            "latency_ms": self.latency_ms,
            "attestation_sha256": self.attestation_sha256,
            "detail": self.detail_json(),
        }

    def detail_json(self) -> str | None:
        detail: dict[str, Any] = {}
        if self.code is not None:
            detail["code"] = self.code
        if self.tools:
            detail["tools"] = list(self.tools)
        return canonical_json(detail).decode("utf-8") if detail else None


@dataclass(frozen=True)
class AuditReceipt:
    seq: int
    entry_hash: str


def entry_hash(row: Mapping[str, Any] | RowMapping) -> str:
    """The chain hash of one stored row (its previous hash included, its own seq not: the position in
    the chain is what checkpoints pin, and renumbered rows show up as broken links)."""
    hashed = {name: row[name] for name in _HASHED}
    if row.get("detail") is not None:  # entries from before migration 0008 have none and keep their hash
        hashed["detail"] = row["detail"]
    return sha256_hex(canonical_json(hashed))


class AuditLog:
    """Append, checkpoint and read the audit chain. ``keyring`` signs checkpoints (None: no checkpoints)."""

    def __init__(
        self,
        engine: Engine,
        keyring: KeyRing | Callable[[], KeyRing] | None = None,
        *,
        checkpoint_every: int = 1000,
        checkpoint_interval_s: float = 60.0,
    ) -> None:
        self._engine = engine
        self._keyring = keyring
        self._checkpoint_every = max(1, checkpoint_every)
        self._checkpoint_interval_us = int(checkpoint_interval_s * 1_000_000)

    @property
    def engine(self) -> Engine:
        return self._engine

    def append(self, entry: AuditEntry) -> AuditReceipt:
        return self.append_many([entry])[0]

    def append_many(self, entries: Iterable[AuditEntry]) -> list[AuditReceipt]:
        """Append in one transaction of their own (one lock, one commit)."""
        entries = list(entries)
        if not entries:
            return []
        try:
            with self._engine.begin() as conn:
                return self.append_in(conn, entries)
        except (sa.exc.OperationalError, sa.exc.ProgrammingError) as error:
            raise AuditLogUnavailable(f"audit log unavailable: {first_line(error)}") from None

    def append_in(self, conn: Connection, entries: list[AuditEntry]) -> list[AuditReceipt]:
        """Append inside the caller's open transaction (the request path's group commit shares one with the
        usage ledger); the chain head stays locked until that transaction ends."""
        if not entries:
            return []
        now_us = to_micros(utc_now())
        seq, prev, cp_seq, cp_us = self._lock_head(conn, len(entries))
        rows, receipts = [], []
        for entry in entries:
            seq += 1
            row = entry.row(now_us)
            row["prev_hash"] = prev
            prev = row["entry_hash"] = entry_hash(row)
            row["seq"] = seq
            rows.append(row)
            receipts.append(AuditReceipt(seq, prev))
        conn.execute(_INSERT_ENTRIES, rows)
        signer = self._signer()
        if signer is not None and (
            seq - cp_seq >= self._checkpoint_every or now_us - cp_us >= self._checkpoint_interval_us
        ):
            self._insert_checkpoint(conn, sign_checkpoint(signer, seq, prev, now_us))
            conn.execute(_SET_HEAD_AND_CHECKPOINT, {"head_hash": prev, "head_seq": seq, "head_ts_us": now_us})
        else:
            conn.execute(_SET_HEAD, {"head_hash": prev})
        return receipts

    def holds(self, conn: Connection, receipt: AuditReceipt) -> bool:
        """Is the entry of ``receipt`` in the chain? Asked inside a new transaction after an append whose COMMIT
        went unanswered: the head is locked first, so an append still committing elsewhere has ended by then,
        one way or the other."""
        self._lock_head(conn, 0)
        return conn.execute(_HASH_AT, {"seq": receipt.seq}).scalar() == receipt.entry_hash

    def checkpoint(self) -> Checkpoint | None:
        """Sign the current head now (e.g. at shutdown, or before exporting); None if the chain is empty."""
        signer = self._signer()
        if signer is None:
            raise SigningKeyUnavailable("checkpoints need a signing key: run `paramstack attest keygen`")
        now_us = to_micros(utc_now())
        with self._engine.begin() as conn:
            seq, head_hash, _, _ = self._lock_head(conn, 0)
            if seq == 0:
                return None
            checkpoint = sign_checkpoint(signer, seq, head_hash, now_us)
            checkpoint_id = self._insert_checkpoint(conn, checkpoint)
            conn.execute(_SET_HEAD_AND_CHECKPOINT, {"head_hash": head_hash, "head_seq": seq, "head_ts_us": now_us})
        return Checkpoint(**{**checkpoint.__dict__, "id": checkpoint_id})

    def head(self) -> AuditReceipt:
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(audit_head.c.seq, audit_head.c.entry_hash).where(audit_head.c.id == HEAD_ID)
            ).first()
        if row is None:
            raise AuditLogUnavailable("the audit chain head row is missing: the audit database is damaged")
        return AuditReceipt(row.seq, row.entry_hash)

    def checkpoints(self) -> list[Checkpoint]:
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(audit_checkpoints).order_by(audit_checkpoints.c.id)).mappings()
            return [Checkpoint.from_row(r) for r in rows]

    def set_checkpoint_token(self, checkpoint_id: int, token: bytes) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                audit_checkpoints.update().where(audit_checkpoints.c.id == checkpoint_id).values(tsa_token=token)
            )

    def timestamp_checkpoints(self, tsa: TimestampAuthority) -> list[int]:
        """Fetch an RFC 3161 token for every checkpoint that has none (outside any append: a TSA is a
        network call). Returns the ids stamped; run it periodically or after ``checkpoint()``."""
        stamped = []
        for checkpoint in self.checkpoints():
            if checkpoint.tsa_token is None and checkpoint.id is not None:
                self.set_checkpoint_token(checkpoint.id, tsa.timestamp(checkpoint.signature_bytes()))
                stamped.append(checkpoint.id)
        return stamped

    def export(
        self, *, since: datetime | None = None, until: datetime | None = None, org_id: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Entries as JSON-ready dicts in chain order (hashes included, so a copy can be re-verified)."""
        query = sa.select(audit_entries).order_by(audit_entries.c.seq)
        if since is not None:
            query = query.where(audit_entries.c.ts_us >= to_micros(since))
        if until is not None:
            query = query.where(audit_entries.c.ts_us < to_micros(until))
        if org_id is not None:
            query = query.where(audit_entries.c.org_id == org_id)
        with self._engine.connect() as conn:
            for row in conn.execution_options(yield_per=2000).execute(query).mappings():
                yield export_row(row)

    # internals

    def _lock_head(self, conn: Connection, count: int) -> tuple[int, str, int, int]:
        # The write comes first on purpose: it is the lock (see the module docstring).
        head = conn.execute(_ALLOCATE, {"count": count}).first()
        if head is None:
            raise AuditLogUnavailable("the audit chain head row is missing: the audit database is damaged")
        return head.seq - count, head.entry_hash, head.checkpoint_seq, head.checkpoint_ts_us

    def _insert_checkpoint(self, conn: Connection, checkpoint: Checkpoint) -> int:
        result = conn.execute(
            _INSERT_CHECKPOINT,
            {
                "seq": checkpoint.seq,
                "entry_hash": checkpoint.entry_hash,
                "ts_us": checkpoint.ts_us,
                "kid": checkpoint.kid,
                "signature": checkpoint.signature,
            },
        )
        inserted = result.inserted_primary_key
        if inserted is None:
            raise AuditLogUnavailable("the checkpoint row got no id")
        return int(inserted[0])

    def _signer(self) -> SigningKey | None:
        keyring = self._keyring() if callable(self._keyring) else self._keyring
        return keyring.signer if keyring is not None and keyring.can_sign else None


def export_row(row: Mapping[str, Any] | RowMapping) -> dict[str, Any]:
    data = dict(row)
    data["timestamp"] = format_time(from_micros(data.pop("ts_us")))
    data["guard"] = json.loads(data["guard"])
    detail = data.pop("detail", None)
    data.update(json.loads(detail) if detail else {})  # "code" and "tools", when the entry has them
    return data


def _check_int(name: str, value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= _MAX_INT:
        raise AttestationInputError(f"audit entry: {name} must be a non-negative integer")


def first_line(error: Exception) -> str:
    return str(error).splitlines()[0][:300]
