"""DSSE envelopes (secure-systems-lab/dsse v1): sign a payload with its type, verify with a key ring.

The signature covers PAE(payloadType, payload) = "DSSEv1 <len(type)> <type> <len(body)> <body>", so
the type cannot be swapped and no JSON canonicalisation is needed to verify: the signed bytes are
exactly the base64-decoded payload. Tools such as in-toto, sigstore or ``dsse`` read these files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from paramstack.attest.canonical import EncodingProblem, b64std_decode, b64std_encode
from paramstack.attest.keys import KeyRing, PublicKey, SigningKey
from paramstack.attest.verdict import Finding, Problem

INTOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE pre-authentication encoding."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def sign_envelope(payload: bytes, signer: SigningKey, payload_type: str = INTOTO_PAYLOAD_TYPE) -> dict[str, Any]:
    return {
        "payloadType": payload_type,
        "payload": b64std_encode(payload),
        "signatures": [{"keyid": signer.kid, "sig": b64std_encode(signer.sign(pae(payload_type, payload)))}],
    }


@dataclass(frozen=True)
class OpenedEnvelope:
    payload: bytes
    payload_type: str
    key: PublicKey | None  # the key whose signature verified; None when verification failed
    failure: Finding | None = None


def open_envelope(envelope: Any, keyring: KeyRing, payload_type: str = INTOTO_PAYLOAD_TYPE) -> OpenedEnvelope:
    """Decode and verify; raises EncodingProblem only for a malformed envelope, otherwise reports the
    failure (unknown key, bad signature) in ``failure`` so callers can still show what the payload says."""
    if not isinstance(envelope, Mapping):
        raise EncodingProblem("the envelope is not a JSON object")
    if envelope.get("payloadType") != payload_type:
        raise EncodingProblem(f"payloadType is not {payload_type!r}")
    payload = b64std_decode(envelope.get("payload"))
    signatures = envelope.get("signatures")
    if not isinstance(signatures, list) or not signatures:
        raise EncodingProblem("the envelope has no signatures")
    message = pae(payload_type, payload)
    known = False
    for entry in signatures:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("keyid"), str):
            raise EncodingProblem("a signature entry needs a 'keyid' string and a 'sig'")
        signature = b64std_decode(entry.get("sig"))
        key = keyring.get(entry["keyid"])
        if key is None:
            continue
        known = True
        if key.verify(signature, message):
            return OpenedEnvelope(payload, payload_type, key)
    kids = ", ".join(str(e.get("keyid")) for e in signatures)
    failure = (
        Finding(
            Problem.BAD_SIGNATURE,
            f"the manifest signature does not verify (key {kids}): the manifest was altered",
            "signature",
        )
        if known
        else Finding(Problem.UNKNOWN_KEY, f"the manifest is signed by unknown key(s) {kids}", "signature")
    )
    return OpenedEnvelope(payload, payload_type, None, failure)
