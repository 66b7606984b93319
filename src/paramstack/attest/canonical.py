"""The exact bytes paramstack signs and hashes: RFC 8785 canonical JSON, SHA-256, strict base64, UTC times.

Everything a signature covers goes through ``canonical_json`` so that a verifier in any language that
implements JCS (RFC 8785) rebuilds the same bytes from the parsed JSON; whitespace and key order in a
transmitted document therefore never matter, only its values do.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import rfc8785

HEX64 = re.compile(r"^[0-9a-f]{64}$")
_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")
_B64STD = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")
_RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")


class EncodingProblem(ValueError):
    """Input that is not in the one exact form we sign (caught and turned into a 'malformed' verdict)."""


def canonical_json(value: Any) -> bytes:
    """RFC 8785 (JCS) bytes of ``value``; raises EncodingProblem for what JCS cannot represent.

    Most of what paramstack signs is plain JSON (ASCII keys, strings, safe integers, ordinary floats):
    for that, the standard library's sorted compact dump *is* JCS once floats are spelled as ECMAScript
    spells them, at a tenth of the cost of a pure-Python JCS serialiser (every response is signed and
    hashed a few times). Anything else goes through ``rfc8785``; tests/attest compare both on edge cases.
    """
    plain = _as_plain_json(value)
    if plain is not _NOT_PLAIN:
        try:
            # orjson's sorted dump is byte for byte the standard library's sorted compact dump on this domain
            # (every code point's escaping, and every plain float, checked), at a fraction of its cost.
            return orjson.dumps(plain, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:
            pass  # a lone surrogate, or nesting deeper than orjson's limit: rfc8785 below
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as error:
        raise EncodingProblem(f"cannot canonicalise: {error}") from None


# JCS integers must be exactly representable as IEEE doubles; floats print like ECMAScript's
# Number.prototype.toString, which matches Python's repr (both shortest round-trip digits) except for the
# exponent ranges and integral values: those (and everything unusual) take the rfc8785 path.
_SAFE_INTEGER = 2**53 - 1
_NOT_PLAIN = object()


def _as_plain_json(value: Any) -> Any:
    """``value`` itself where the standard dump of it is JCS, a copy with integral floats as ints, or
    ``_NOT_PLAIN`` where the standard dump would not be JCS. Strings, null, booleans and safe integers (all
    but every leaf of a signed payload) are checked inline: a call per leaf was most of the cost."""
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return value
    if kind is int:
        return value if -_SAFE_INTEGER <= value <= _SAFE_INTEGER else _NOT_PLAIN
    if kind is float:
        if value.is_integer():
            return int(value) if abs(value) < 1e21 else _NOT_PLAIN  # ECMAScript: 1.0 -> "1"; 1e21 -> "1e+21"
        # repr writes 1e-05 where ECMAScript writes 0.00001 (and JCS has no NaN or Infinity)
        return value if 1e-4 <= abs(value) < math.inf else _NOT_PLAIN
    if kind is dict:
        copy: dict[str, Any] | None = None
        for key, item in value.items():
            if type(key) is not str or not key.isascii():  # JCS orders keys by UTF-16 units, Python by code point
                return _NOT_PLAIN
            leaf = type(item)
            if leaf is str or item is None or leaf is bool or (leaf is int and -_SAFE_INTEGER <= item <= _SAFE_INTEGER):
                continue
            plain = _as_plain_json(item)
            if plain is not item:
                if plain is _NOT_PLAIN:
                    return _NOT_PLAIN
                copy = copy if copy is not None else dict(value)
                copy[key] = plain
        return value if copy is None else copy
    if kind is list or kind is tuple:
        items = [_as_plain_json(item) for item in value]
        if any(item is _NOT_PLAIN for item in items):
            return _NOT_PLAIN
        return value if all(new is old for new, old in zip(items, value, strict=True)) else items
    return _NOT_PLAIN


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: object) -> bytes:
    """Strict unpadded base64url: exactly one spelling per byte string (anything but a str is malformed).

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


def b64std_decode(text: object) -> bytes:
    """Strict padded standard base64 (DSSE's encoding), canonical spelling only; anything but a str is malformed."""
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
    return moment.astimezone(UTC).isoformat(timespec="microseconds").removesuffix("+00:00") + "Z"


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
