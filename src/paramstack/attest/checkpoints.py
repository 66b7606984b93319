"""Signed checkpoints of the audit chain head.

A checkpoint says, under the organisation's signing key: "at time T the chain had N entries and its
last hash was H". Whoever rewrites the chain consistently (recomputing every hash, which anyone with
write access to the database can do) cannot re-sign the checkpoints, so verification catches it; an
RFC 3161 token over the checkpoint (timestamps.py) also pins *when* it existed. Entries after the last
checkpoint are only as safe as the database, which is why checkpoints are frequent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from paramstack.attest.canonical import (
    EncodingProblem,
    b64url_decode,
    b64url_encode,
    canonical_json,
    format_time,
    from_micros,
)
from paramstack.attest.keys import KeyRing, SigningKey
from paramstack.attest.verdict import Finding, Problem

if TYPE_CHECKING:
    from sqlalchemy import RowMapping

CHECKPOINT_FORMAT = "paramstack-audit-checkpoint/1"


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    entry_hash: str
    ts_us: int
    kid: str
    signature: str  # base64url Ed25519 over checkpoint_message(...)
    id: int | None = None
    tsa_token: bytes | None = None

    def message(self) -> bytes:
        return checkpoint_message(self.seq, self.entry_hash, self.ts_us, self.kid)

    def signature_bytes(self) -> bytes:
        """What an RFC 3161 token stamps (timestamps.py)."""
        return b64url_decode(self.signature)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "seq": self.seq,
            "entry_hash": self.entry_hash,
            "timestamp": format_time(from_micros(self.ts_us)),
            "kid": self.kid,
            "signature": self.signature,
            "timestamped": self.tsa_token is not None,
        }

    @classmethod
    def from_row(cls, row: Mapping[str, Any] | RowMapping) -> Checkpoint:
        return cls(
            seq=row["seq"],
            entry_hash=row["entry_hash"],
            ts_us=row["ts_us"],
            kid=row["kid"],
            signature=row["signature"],
            id=row["id"],
            tsa_token=row["tsa_token"],
        )


def checkpoint_message(seq: int, entry_hash: str, ts_us: int, kid: str) -> bytes:
    return canonical_json(
        {
            "format": CHECKPOINT_FORMAT,
            "seq": seq,
            "entry_hash": entry_hash,
            "timestamp": format_time(from_micros(ts_us)),
            "kid": kid,
        }
    )


def sign_checkpoint(signer: SigningKey, seq: int, entry_hash: str, ts_us: int) -> Checkpoint:
    signature = signer.sign(checkpoint_message(seq, entry_hash, ts_us, signer.kid))
    return Checkpoint(seq=seq, entry_hash=entry_hash, ts_us=ts_us, kid=signer.kid, signature=b64url_encode(signature))


def check_checkpoint_signature(checkpoint: Checkpoint, keyring: KeyRing) -> Finding | None:
    """None when the checkpoint is signed by a known key within its validity, else the finding."""
    where = f"checkpoint {checkpoint.id}"
    key = keyring.get(checkpoint.kid)
    if key is None:
        return Finding(
            Problem.UNKNOWN_KEY,
            f"checkpoint {checkpoint.id} (seq {checkpoint.seq}) is signed by unknown key {checkpoint.kid!r}",
            where,
        )
    try:
        signature = b64url_decode(checkpoint.signature)
        message = checkpoint.message()
    except EncodingProblem as error:
        return Finding(Problem.MALFORMED, f"checkpoint {checkpoint.id} is malformed: {error}", where)
    if not key.verify(signature, message):
        return Finding(
            Problem.BAD_SIGNATURE,
            f"checkpoint {checkpoint.id} (seq {checkpoint.seq}) has a bad signature: it was altered or forged",
            where,
        )
    if not key.signed_in_validity(from_micros(checkpoint.ts_us)):
        return Finding(
            Problem.EXPIRED_KEY, f"checkpoint {checkpoint.id} was signed by key {key.kid} outside its validity", where
        )
    return None
