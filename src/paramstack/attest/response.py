"""Response attestation: ``sign_output`` and ``verify_output``.

The signed payload is a flat JSON object (the product description's shape) whose RFC 8785 bytes are
signed with Ed25519; the signature travels beside it as ``"signature"``. Verification re-canonicalises
the parsed payload, so whitespace and key order in transit never matter, while any changed value,
missing or unknown field, or non-canonical base64 makes the verdict fail.

The payload binds: the model and adapter (and the digest of the adapter's signed manifest, which leads
to the data behind it, see manifest.py), SHA-256 of the output text, SHA-256 of the canonical request
body (the prompt stays private; whoever holds the request can recompute it), the sampling parameters,
token usage, time, tenant and request id, and the kid of the signing key. A response with tool calls adds
``tool_calls_sha256``: SHA-256 of the canonical JSON list of its calls (``id``, ``name`` and the exact
``arguments`` text), so a changed argument fails verification as a changed text does. Structured output
is the text itself (its exact JSON bytes are what ``output_sha256`` covers).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from paramstack.attest.canonical import (
    HEX64,
    EncodingProblem,
    b64url_decode,
    b64url_encode,
    canonical_json,
    format_time,
    parse_time,
    sha256_hex,
    utc_now,
)
from paramstack.attest.errors import AttestationInputError
from paramstack.attest.keys import KeyRing, PublicKey, SigningKey
from paramstack.attest.verdict import Problem, Verdict

ATTESTATION_FORMAT = "paramstack-attestation/1"
_FIELDS = (
    "format",
    "kid",
    "model_id",
    "model_manifest_sha256",
    "adapter_id",
    "adapter_manifest_sha256",
    "output_sha256",
    "request_sha256",
    "sampling",
    "usage",
    "timestamp",
    "org_id",
    "request_id",
    "metadata",
)

_OPTIONAL_FIELDS = ("tool_calls_sha256",)

Verifier = KeyRing | PublicKey | SigningKey | Ed25519PublicKey


@dataclass(frozen=True)
class SignedAttestation:
    """A payload and its signature. ``to_dict()`` is the ``attestation`` object of a response body."""

    payload: dict[str, Any]
    signature: bytes
    # canonical_json(payload), the bytes the signature is over, when the signer has them at hand already
    message: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def kid(self) -> str:
        kid: str = self.payload["kid"]  # a non-empty str: _check_payload, or our own signer
        return kid

    def to_dict(self) -> dict[str, Any]:
        return {**self.payload, "signature": b64url_encode(self.signature)}

    def compact(self) -> str:
        """``base64url(JCS(payload)).base64url(signature)``: the header form, JWS-like and ASCII-only."""
        return self._compact

    def digest(self) -> str:
        """SHA-256 of the canonical signed object: what the audit log records for this response."""
        return self._digest

    # Computed once: the gateway sends the compact form in a header and records the digest in the audit log.
    @cached_property
    def _compact(self) -> str:
        message = self.message if self.message is not None else canonical_json(self.payload)
        return f"{b64url_encode(message)}.{b64url_encode(self.signature)}"

    @cached_property
    def _digest(self) -> str:
        return sha256_hex(canonical_json(self.to_dict()))


def request_sha256(request_body: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the request body as the client sent it (parsed)."""
    try:
        return sha256_hex(canonical_json(dict(request_body)))
    except EncodingProblem as error:
        raise AttestationInputError(f"request cannot be attested: {error}") from None


def output_sha256(output: str | bytes) -> str:
    data = output.encode("utf-8") if isinstance(output, str) else output
    return hashlib.sha256(data).hexdigest()


def tool_calls_sha256(tool_calls: Sequence[Mapping[str, str]]) -> str:
    """SHA-256 of the canonical JSON of ``[{"id", "name", "arguments"}, ...]`` in call order."""
    try:
        return sha256_hex(
            canonical_json([{"id": c["id"], "name": c["name"], "arguments": c["arguments"]} for c in tool_calls])
        )
    except (KeyError, TypeError, EncodingProblem) as error:
        raise AttestationInputError(f"tool calls cannot be attested: {error}") from None


def sign_output(
    model_id: str,
    output: str,
    *,
    tool_calls: list[Mapping[str, str]] | None = None,
    key: KeyRing | SigningKey,
    org_id: str,
    request_id: str,
    adapter_id: str | None = None,
    adapter_manifest_sha256: str | None = None,
    model_manifest_sha256: str | None = None,
    request_sha256: str | None = None,
    sampling: Mapping[str, Any] | None = None,
    usage: Mapping[str, int] | None = None,
    metadata: Mapping[str, Any] | None = None,
    timestamp: datetime | None = None,
) -> SignedAttestation:
    """Sign one response's output. ``key`` is the KeyRing (its active key signs) or a SigningKey."""
    signer = key.signer if isinstance(key, KeyRing) else key
    payload = {
        "format": ATTESTATION_FORMAT,
        "kid": signer.kid,
        "model_id": model_id,
        "model_manifest_sha256": model_manifest_sha256,
        "adapter_id": adapter_id,
        "adapter_manifest_sha256": adapter_manifest_sha256,
        "output_sha256": output_sha256(output),
        "request_sha256": request_sha256,
        "sampling": dict(sampling or {}),
        "usage": dict(usage) if usage is not None else None,
        "timestamp": format_time(timestamp or utc_now()),
        "org_id": org_id,
        "request_id": request_id,
        "metadata": dict(metadata or {}),
    }
    if tool_calls:
        payload["tool_calls_sha256"] = tool_calls_sha256(tool_calls)
    try:
        _check_payload(payload)
        message = canonical_json(payload)
    except EncodingProblem as error:
        raise AttestationInputError(f"cannot sign this response: {error}") from None
    return SignedAttestation(payload=payload, signature=signer.sign(message), message=message)


def parse_attestation(value: Any) -> SignedAttestation:
    """Accept the body object, its JSON text, or the compact header form; raise EncodingProblem else."""
    if isinstance(value, SignedAttestation):
        value = value.to_dict()
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise EncodingProblem("attestation is not UTF-8") from None
    if isinstance(value, str):
        value = _parse_text(value.strip())
    if not isinstance(value, Mapping):
        raise EncodingProblem("attestation is not a JSON object")
    payload = {k: v for k, v in value.items() if k != "signature"}
    if "signature" not in value:
        raise EncodingProblem("attestation has no signature")
    signature = b64url_decode(value["signature"])
    if len(signature) != 64:
        raise EncodingProblem("an Ed25519 signature is 64 bytes")
    _check_payload(payload)
    return SignedAttestation(payload=payload, signature=signature)


def verify_output(
    signed: Any, output: str | bytes, public_key: Verifier, tool_calls: Sequence[Mapping[str, str]] | None = None
) -> Verdict:
    """Valid, or exactly what failed: malformed, unknown_key, bad_signature, expired_key, hash_mismatch.

    ``tool_calls``: the response's calls (``id``, ``name``, ``arguments``) when it has any.

    ``bool(verdict)`` is the yes/no answer of the product description.
    """
    try:
        attestation = parse_attestation(signed)
        message = canonical_json(attestation.payload)
    except EncodingProblem as error:
        return Verdict.fail(Problem.MALFORMED, f"malformed attestation: {error}", "attestation")
    payload = attestation.payload
    details: dict[str, Any] = {"kid": attestation.kid, "attestation": payload}
    key = KeyRing.of(public_key).get(attestation.kid)
    if key is None:
        return Verdict.fail(Problem.UNKNOWN_KEY, f"signed by unknown key {attestation.kid!r}", "kid", **details)
    if not key.verify(attestation.signature, message):
        return Verdict.fail(
            Problem.BAD_SIGNATURE, f"signature does not verify with key {key.kid}", "signature", **details
        )
    signed_at = parse_time(payload["timestamp"])
    if not key.signed_in_validity(signed_at):
        assert key.not_after is not None  # only a key with an end date can be outside its validity
        return Verdict.fail(
            Problem.EXPIRED_KEY,
            f"key {key.kid} was no longer valid at {payload['timestamp']} (valid until {format_time(key.not_after)})",
            "kid",
            **details,
        )
    actual = output_sha256(output)
    if actual != payload["output_sha256"]:
        return Verdict.fail(
            Problem.HASH_MISMATCH,
            f"output SHA-256 {actual} differs from the attested {payload['output_sha256']}: the output was changed",
            "output",
            **details,
        )
    attested_calls = payload.get("tool_calls_sha256")
    try:
        seen_calls = tool_calls_sha256(tool_calls) if tool_calls else None
    except AttestationInputError as error:
        return Verdict.fail(Problem.MALFORMED, str(error), "tool_calls", **details)
    if seen_calls != attested_calls:
        return Verdict.fail(
            Problem.HASH_MISMATCH,
            "the tool calls (names or argument bytes) differ from the attested ones: they were changed"
            if attested_calls
            else "the response has tool calls that were not attested",
            "tool_calls",
            **details,
        )
    return Verdict.ok(**details)


def _parse_text(text: str) -> Any:
    if text.startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise EncodingProblem(f"attestation JSON does not parse ({error.msg})") from None
    body, sep, signature = text.partition(".")
    if not sep:
        raise EncodingProblem("attestation is neither JSON nor the compact form")
    raw = b64url_decode(body)
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise EncodingProblem("compact attestation payload is not JSON") from None
    if not isinstance(payload, dict) or canonical_json(payload) != raw:
        raise EncodingProblem("compact attestation payload is not canonical JSON")
    return {**payload, "signature": signature}


def _check_payload(payload: Mapping[str, Any]) -> None:
    """Exact field set and types: what is signed must mean one thing."""
    missing = [f for f in _FIELDS if f not in payload]
    extra = [f for f in payload if f not in _FIELDS and f not in _OPTIONAL_FIELDS]
    if missing or extra:
        raise EncodingProblem(f"fields missing {missing} / unexpected {extra}")
    if payload["format"] != ATTESTATION_FORMAT:
        raise EncodingProblem(f"format is not {ATTESTATION_FORMAT!r}")
    for name in ("kid", "model_id", "org_id", "request_id"):
        if not isinstance(payload[name], str) or not payload[name]:
            raise EncodingProblem(f"{name} must be a non-empty string")
    if payload["adapter_id"] is not None and not isinstance(payload["adapter_id"], str):
        raise EncodingProblem("adapter_id must be a string or null")
    for name in (
        "output_sha256",
        "model_manifest_sha256",
        "adapter_manifest_sha256",
        "request_sha256",
        *(f for f in _OPTIONAL_FIELDS if f in payload),
    ):
        value = payload[name]
        if (value is not None or name == "output_sha256") and not (isinstance(value, str) and HEX64.match(value)):
            raise EncodingProblem(f"{name} must be 64 lowercase hex digits")
    for name in ("sampling", "metadata"):
        if not isinstance(payload[name], dict):
            raise EncodingProblem(f"{name} must be an object")
    usage = payload["usage"]
    if usage is not None and not (
        isinstance(usage, dict)
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in usage.values())
    ):
        raise EncodingProblem("usage must be null or an object of non-negative integers")
    parse_time(payload["timestamp"])
