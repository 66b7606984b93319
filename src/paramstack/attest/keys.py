"""Ed25519 keys in memory: public keys with their validity, the signing key, and the KeyRing.

A key id (kid) is the first 16 hex digits of SHA-256 over the raw 32-byte public key, so anyone can
recompute it from a published key. Keys are never deleted: a rotated key gets ``retired_at`` and keeps
verifying what it signed before then; ``expires_at`` is a planned end of the same kind.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from paramstack.attest.canonical import EncodingProblem, b64url_decode, b64url_encode, format_time, parse_time
from paramstack.attest.errors import SigningKeyUnavailable

KID_HEX_DIGITS = 16


def key_id(public_key: Ed25519PublicKey) -> str:
    return hashlib.sha256(raw_public_bytes(public_key)).hexdigest()[:KID_HEX_DIGITS]


def raw_public_bytes(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class PublicKey:
    """A published verification key and the span in which it may sign."""

    key: Ed25519PublicKey = field(repr=False, compare=False)
    kid: str
    created_at: datetime | None = None
    expires_at: datetime | None = None
    retired_at: datetime | None = None

    @classmethod
    def of(cls, key: Ed25519PublicKey, **validity: datetime | None) -> PublicKey:
        return cls(key=key, kid=key_id(key), **validity)

    @property
    def not_after(self) -> datetime | None:
        """The last instant this key may have signed (the earlier of expiry and retirement)."""
        ends = [t for t in (self.expires_at, self.retired_at) if t is not None]
        return min(ends) if ends else None

    def signed_in_validity(self, signed_at: datetime) -> bool:
        end = self.not_after
        return end is None or signed_at <= end

    def verify(self, signature: bytes, data: bytes) -> bool:
        try:
            self.key.verify(signature, data)
        except InvalidSignature:
            return False
        return True

    def to_jwk(self) -> dict[str, Any]:
        """RFC 8037 OKP JWK, plus the validity span (extra members are allowed by RFC 7517)."""
        jwk: dict[str, Any] = {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": b64url_encode(raw_public_bytes(self.key)),
            "kid": self.kid,
            "alg": "EdDSA",
            "use": "sig",
        }
        for name in ("created_at", "expires_at", "retired_at"):
            moment = getattr(self, name)
            if moment is not None:
                jwk[name] = format_time(moment)
        return jwk

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> PublicKey:
        """Parse one JWK; raises EncodingProblem for anything but an Ed25519 OKP key."""
        if not isinstance(jwk, Mapping) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            raise EncodingProblem("not an Ed25519 OKP JWK")
        raw = b64url_decode(jwk.get("x"))
        if len(raw) != 32:
            raise EncodingProblem("an Ed25519 public key is 32 bytes")
        key = Ed25519PublicKey.from_public_bytes(raw)
        validity = {
            name: parse_time(jwk[name])
            for name in ("created_at", "expires_at", "retired_at")
            if jwk.get(name) is not None
        }
        public = cls.of(key, **validity)
        if "kid" in jwk and jwk["kid"] != public.kid:
            raise EncodingProblem(f"JWK kid {jwk['kid']!r} is not the id of its key ({public.kid})")
        return public


@dataclass(frozen=True)
class SigningKey:
    """The private half; its repr never shows the key material (it would end up in logs)."""

    private: Ed25519PrivateKey = field(repr=False, compare=False)
    public: PublicKey

    @property
    def kid(self) -> str:
        return self.public.kid

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)

    @classmethod
    def generate(cls, **validity: datetime | None) -> SigningKey:
        private = Ed25519PrivateKey.generate()
        return cls(private=private, public=PublicKey.of(private.public_key(), **validity))


class KeyRing:
    """All published public keys by kid, plus (on the signing side) the one active signing key."""

    def __init__(self, public_keys: Iterable[PublicKey] = (), signing_key: SigningKey | None = None) -> None:
        keys = {k.kid: k for k in public_keys}
        if signing_key is not None:
            keys.setdefault(signing_key.kid, signing_key.public)
        self._keys = keys
        self._signing_key = signing_key

    @classmethod
    def of(cls, key: KeyRing | PublicKey | SigningKey | Ed25519PublicKey | Iterable[PublicKey]) -> KeyRing:
        """Whatever a caller holds as 'the public key(s)' -> a KeyRing."""
        if isinstance(key, KeyRing):
            return key
        if isinstance(key, SigningKey):
            return cls(signing_key=key)
        if isinstance(key, PublicKey):
            return cls([key])
        if isinstance(key, Ed25519PublicKey):
            return cls([PublicKey.of(key)])
        return cls(key)

    @classmethod
    def from_jwks(cls, document: Mapping[str, Any]) -> KeyRing:
        if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
            raise EncodingProblem("a JWKS document is an object with a 'keys' list")
        return cls(PublicKey.from_jwk(jwk) for jwk in document["keys"])

    def get(self, kid: str) -> PublicKey | None:
        return self._keys.get(kid)

    def __contains__(self, kid: object) -> bool:
        return kid in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def public_keys(self) -> list[PublicKey]:
        return sorted(self._keys.values(), key=lambda k: (k.created_at is None, k.created_at, k.kid))

    @property
    def signer(self) -> SigningKey:
        if self._signing_key is None:
            raise SigningKeyUnavailable(
                "no active signing key: run `paramstack attest keygen` (public keys alone only verify)"
            )
        return self._signing_key

    @property
    def can_sign(self) -> bool:
        return self._signing_key is not None

    def jwks(self) -> dict[str, Any]:
        """What GET /v1/attestation/keys publishes: every key, including retired ones."""
        return {"keys": [k.to_jwk() for k in self.public_keys]}

    def without_signer(self) -> KeyRing:
        return KeyRing(self._keys.values())

    def with_key(self, key: PublicKey) -> KeyRing:
        return KeyRing([*(k for k in self._keys.values() if k.kid != key.kid), key], self._signing_key)


def retire(key: PublicKey, at: datetime) -> PublicKey:
    return replace(key, retired_at=at)


def load_public_key_text(text: str) -> KeyRing:
    """A public key given on a command line or in a file: JWKS, one JWK, PEM, or raw base64url."""
    text = text.strip()
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise EncodingProblem(f"public key JSON does not parse: {error.msg}") from None
        if isinstance(document, Mapping) and "keys" in document:
            return KeyRing.from_jwks(document)
        return KeyRing([PublicKey.from_jwk(document)])
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text.encode())
        except ValueError:
            raise EncodingProblem("PEM public key does not parse") from None
        if not isinstance(key, Ed25519PublicKey):
            raise EncodingProblem("the PEM key is not an Ed25519 public key")
        return KeyRing([PublicKey.of(key)])
    raw = b64url_decode(text)
    if len(raw) != 32:
        raise EncodingProblem("a raw Ed25519 public key is 32 bytes (43 base64url characters)")
    return KeyRing([PublicKey.of(Ed25519PublicKey.from_public_bytes(raw))])
