"""The exact bytes paramstack signs and hashes: RFC 8785 canonical JSON, SHA-256, strict base64, UTC times.

Everything a signature covers goes through ``canonical_json`` so that a verifier in any language that
implements JCS (RFC 8785) rebuilds the same bytes from the parsed JSON; whitespace and key order in a
transmitted document therefore never matter, only its values do.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import rfc8785

HEX64 = re.compile(r"^[0-9a-f]{64}$")
_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")
_B64STD = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")
_RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")


class EncodingProblem(ValueError):
    """Input that is not in the one exact form we sign (caught and turned into a 'malformed' verdict)."""


def canonical_json(value: Any) -> bytes:
    """RFC 8785 (JCS) bytes of ``value``; raises EncodingProblem for what JCS cannot represent."""
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as error:
        raise EncodingProblem(f"cannot canonicalise: {error}") from None


def canonical_json_plain(value: dict[str, Any]) -> bytes:
    """JCS bytes of a dict whose leaves are only str, int (|n| < 2**53), bool or None, with ASCII keys.

    For such values the standard library's sorted, compact dump equals RFC 8785 (same escapes, same
    key order for ASCII keys) at a fifth of the cost; the audit chain hashes every row with it, and
    tests/attest check the equality. Callers guarantee the value types.
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict unpadded base64url: exactly one spelling per byte string.

    Lenient decoders accept several spellings of the last character (its unused low bits), so a
    changed character could still verify; re-encoding and comparing rules that out.
    """
    if not isinstance(text, str) or not _B64URL.match(text) or len(text) % 4 == 1:
        raise EncodingProblem("not unpadded base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url_encode(data) != text:
        raise EncodingProblem("non-canonical base64url")
    return data


def b64std_encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64std_decode(text: str) -> bytes:
    """Strict padded standard base64 (DSSE's encoding), canonical spelling only."""
    if not isinstance(text, str) or not _B64STD.match(text) or len(text) % 4:
        raise EncodingProblem("not padded standard base64")
    try:
        data = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise EncodingProblem("not padded standard base64") from None
    if b64std_encode(data) != text:
        raise EncodingProblem("non-canonical base64")
    return data


def utc_now() -> datetime:
    return datetime.now(UTC)


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with microseconds: one spelling per instant (it is signed)."""
    if moment.tzinfo is None:
        raise EncodingProblem("timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: Any) -> datetime:
    if not isinstance(text, str) or not _RFC3339_UTC.match(text):
        raise EncodingProblem(f"not an RFC 3339 UTC timestamp: {str(text)[:40]!r}")
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise EncodingProblem(f"not a valid timestamp: {text[:40]!r}") from None


def to_micros(moment: datetime) -> int:
    """Microseconds since the epoch: exact, sortable, the same in SQLite and PostgreSQL."""
    if moment.tzinfo is None:
        raise EncodingProblem("timestamps must be timezone-aware")
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(micros: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)
