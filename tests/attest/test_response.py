"""Signed responses: every single-byte change to the payload, signature or output is detected, and the
verdict says exactly what failed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import rfc8785

from paramstack.attest.canonical import EncodingProblem, b64url_encode, canonical_json
from paramstack.attest.errors import AttestationInputError, SigningKeyUnavailable
from paramstack.attest.keys import KeyRing, PublicKey, SigningKey
from paramstack.attest.response import parse_attestation, request_sha256, sign_output, verify_output
from paramstack.attest.verdict import Problem

OUTPUT = "Ailydian AI Ecosystem: İstanbul'da güneşli bir gün. ✓"


def _sign(keyring, output=OUTPUT, **overrides):
    fields = dict(
        key=keyring,
        org_id="org_medical",
        request_id="chatcmpl-abc123",
        adapter_id="medical-v1",
        adapter_manifest_sha256="a" * 64,
        request_sha256=request_sha256(
            {"model": "paramstack-tiny", "messages": [{"role": "user", "content": "Merhaba"}], "temperature": 0.7}
        ),
        sampling={"temperature": 0.7, "top_p": 0.95, "max_tokens": 64, "seed": None},
        usage={"prompt_tokens": 12, "completion_tokens": 9},
    )
    fields.update(overrides)
    return sign_output("paramstack-tiny", output, **fields)


def test_sign_and_verify_with_public_key_only(keyring):
    signed = _sign(keyring)
    verdict = verify_output(signed.to_dict(), OUTPUT, keyring.without_signer())
    assert verdict and verdict.valid and verdict.problem is None
    assert verdict.details["attestation"]["org_id"] == "org_medical"
    # the bare cryptography key works too, as in the product description
    assert verify_output(signed, OUTPUT, keyring.signer.public.key)
    # and every accepted transport form
    assert verify_output(json.dumps(signed.to_dict(), indent=3), OUTPUT, keyring)
    assert verify_output(signed.compact(), OUTPUT, keyring)


def test_changed_output_is_a_hash_mismatch(keyring):
    signed = _sign(keyring)
    verdict = verify_output(signed, OUTPUT + " ", keyring)
    assert not verdict and verdict.problem is Problem.HASH_MISMATCH
    assert "output was changed" in verdict.message


def test_every_single_byte_change_of_the_signed_object_is_detected(keyring):
    """Loop over every byte of the canonical attestation (payload fields and signature)."""
    signed = _sign(keyring)
    original = rfc8785.dumps(signed.to_dict())
    checked = 0
    for index in range(len(original)):
        for flip in (0x01, 0x20, 0x80):
            mutated = bytearray(original)
            mutated[index] ^= flip
            verdict = verify_output(bytes(mutated), OUTPUT, keyring)
            assert not verdict, f"byte {index} ^ {flip:#x} went unnoticed: {bytes(mutated)!r}"
            assert verdict.problem in (Problem.MALFORMED, Problem.BAD_SIGNATURE, Problem.UNKNOWN_KEY)
            checked += 1
    assert checked == 3 * len(original)


def test_every_single_byte_change_of_the_signature_is_a_bad_signature(keyring):
    signed = _sign(keyring)
    for index in range(len(signed.signature)):
        for flip in (0x01, 0x80):
            signature = bytearray(signed.signature)
            signature[index] ^= flip
            body = {**signed.payload, "signature": b64url_encode(bytes(signature))}
            verdict = verify_output(body, OUTPUT, keyring)
            assert verdict.problem is Problem.BAD_SIGNATURE, index


def test_every_single_byte_change_of_the_compact_form_is_detected(keyring):
    compact = _sign(keyring).compact()
    for index in range(len(compact)):
        for replacement in {"A", "B", "_", "-", "."} - {compact[index]}:
            mutated = compact[:index] + replacement + compact[index + 1 :]
            assert not verify_output(mutated, OUTPUT, keyring), (index, replacement)


def test_every_single_byte_change_of_the_output_is_detected(keyring):
    signed = _sign(keyring)
    data = OUTPUT.encode()
    for index in range(len(data)):
        mutated = bytearray(data)
        mutated[index] ^= 0x01
        verdict = verify_output(signed, bytes(mutated), keyring)
        assert verdict.problem is Problem.HASH_MISMATCH


def test_truncated_and_garbage_attestations_are_malformed_not_exceptions(keyring):
    text = json.dumps(_sign(keyring).to_dict())
    for cut in range(0, len(text), 7):
        verdict = verify_output(text[:cut], OUTPUT, keyring)
        assert verdict.problem is Problem.MALFORMED
    for garbage in (None, 42, [], {}, b"\xff\xfe", "", "a.b", {"signature": "x"}):
        assert verify_output(garbage, OUTPUT, keyring).problem is Problem.MALFORMED


def test_extra_or_missing_field_is_malformed(keyring):
    body = _sign(keyring).to_dict()
    assert verify_output({**body, "extra": 1}, OUTPUT, keyring).problem is Problem.MALFORMED
    body.pop("request_id")
    assert verify_output(body, OUTPUT, keyring).problem is Problem.MALFORMED


def test_wrong_key_is_unknown_key(keyring):
    other = KeyRing([SigningKey.generate().public])
    verdict = verify_output(_sign(keyring), OUTPUT, other)
    assert verdict.problem is Problem.UNKNOWN_KEY and keyring.signer.kid in verdict.message


def test_same_kid_different_key_is_a_bad_signature(keyring):
    """A key ring that lists another key under the signer's kid (a spoofed JWKS) cannot verify."""
    impostor = SigningKey.generate().public
    spoofed = KeyRing([PublicKey(key=impostor.key, kid=keyring.signer.kid)])
    assert verify_output(_sign(keyring), OUTPUT, spoofed).problem is Problem.BAD_SIGNATURE


def test_key_rotation_old_signatures_verify_new_ones_with_old_key_are_expired():
    created = datetime(2026, 1, 1, tzinfo=UTC)
    old = SigningKey.generate(created_at=created)
    retired_at = created + timedelta(days=30)
    published = KeyRing([PublicKey.of(old.public.key, created_at=created, retired_at=retired_at)])
    before = _sign(old, timestamp=retired_at - timedelta(seconds=1))
    after = _sign(old, timestamp=retired_at + timedelta(seconds=1))
    assert verify_output(before, OUTPUT, published)
    verdict = verify_output(after, OUTPUT, published)
    assert verdict.problem is Problem.EXPIRED_KEY and "no longer valid" in verdict.message


def test_request_hash_is_key_order_independent_and_rejects_unrepresentable_values():
    assert request_sha256({"a": 1, "b": [1, 2]}) == request_sha256({"b": [1, 2], "a": 1})
    with pytest.raises(AttestationInputError):
        request_sha256({"seed": 2**60})
    with pytest.raises(AttestationInputError):
        sign_output(
            "m", "x", key=SigningKey.generate(), org_id="o", request_id="r", sampling={"temperature": float("nan")}
        )


def test_signing_needs_a_private_key():
    with pytest.raises(SigningKeyUnavailable):
        sign_output("m", "x", key=KeyRing([SigningKey.generate().public]), org_id="o", request_id="r")


def test_private_key_never_in_repr(signing_key):
    from cryptography.hazmat.primitives import serialization

    raw = signing_key.private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    text = repr(signing_key) + repr(KeyRing(signing_key=signing_key))
    assert raw.hex() not in text and b64url_encode(raw) not in text


def test_parse_round_trip(keyring):
    signed = _sign(keyring)
    assert parse_attestation(signed.compact()) == parse_attestation(signed.to_dict())
    assert len(signed.digest()) == 64


def test_canonical_json_equals_rfc8785_on_its_fast_path_and_off_it():
    """canonical_json dumps plain values with the standard library: the bytes must be JCS's, exactly."""
    samples = [
        {"a": 1, "b": None, "c": "x", "z": 2**53 - 1, "k": -5, "t": True, "f": False},
        {"text": 'çğıöşü İ \u00e9 \u2028 \u007f \t\n\r\b\f " \\ / \x01 \x1f 😀', "n": 0},
        {"guard": '{"pii.email":2}', "status": "ok", "ts_us": 1_790_000_000_000_000},
        {
            "floats": [
                0.7,
                1.0,
                -0.0,
                0.1 + 0.2,
                1e-4,
                1.5e-5,
                1e-7,
                123456.789,
                1e15 + 0.5,
                1e20,
                1e21,
                5e-324,
                -2.5,
                9007199254740993.0,
                1.7976931348623157e308,
            ]
        },
        {"edge": 2**53 - 1, "neg": -(2**53 - 1)},
        {"é": 1, "e": 2, "\ue000": 3, "😀": 4, "nested": [{"b": [1, {"a": []}]}, [], {}]},
        {"sampling": {"max_tokens": 8, "temperature": 0.7, "top_p": 1.0, "stop": [], "seed": None}},
        [1, "two", None, 3.25, {"z": 1, "a": 2}],
    ]
    for sample in samples:
        assert canonical_json(sample) == rfc8785.dumps(sample), sample


def test_canonical_json_refuses_what_jcs_cannot_represent():
    for bad in ({"seed": 2**60}, {"x": float("nan")}, {"x": float("inf")}, {1: "non-string key"}, {"s": "\ud800"}):
        with pytest.raises(EncodingProblem):
            canonical_json(bad)
