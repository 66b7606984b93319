"""Signing keys on disk: 0600 private files, rotation keeps old keys published, JWKS round trip."""

from __future__ import annotations

import hashlib
import os
import stat

import pytest

from paramstack.attest.keys import KeyRing, PublicKey, load_public_key_text, raw_public_bytes
from paramstack.attest.keystore import SigningKeyStore
from paramstack.attest.response import sign_output, verify_output
from paramstack.attest.verdict import Problem
from paramstack.errors import ConfigurationError


def test_keygen_writes_a_0600_private_key_in_a_0700_directory(tmp_path):
    store = SigningKeyStore(tmp_path / "keys")
    public = store.generate()
    private_file = tmp_path / "keys" / f"{public.kid}.pem"
    assert stat.S_IMODE(private_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    assert public.kid == hashlib.sha256(raw_public_bytes(public.key)).hexdigest()[:16]
    assert "PRIVATE" not in (tmp_path / "keys" / "keyring.json").read_text()
    assert store.load().signer.kid == public.kid


def test_rotation_keeps_old_signatures_valid_and_publishes_both(tmp_path):
    store = SigningKeyStore(tmp_path / "keys")
    first = store.generate()
    old_signed = sign_output("m", "text", key=store.current(), org_id="o", request_id="r")
    second = store.generate()
    ring = store.current()
    assert ring.signer.kid == second.kid
    assert {k["kid"] for k in ring.jwks()["keys"]} == {first.kid, second.kid}
    assert ring.get(first.kid).retired_at is not None
    published = KeyRing.from_jwks(ring.jwks())  # what a verifier gets from GET /v1/attestation/keys
    assert verify_output(old_signed, "text", published)
    assert verify_output(sign_output("m", "t", key=ring, org_id="o", request_id="r"), "t", published)


def test_a_retired_key_cannot_have_signed_later(tmp_path):
    store = SigningKeyStore(tmp_path / "keys")
    first = store.generate()
    signing = store.current()
    store.retire(first.kid)
    late = sign_output("m", "t", key=signing.signer, org_id="o", request_id="r")  # a stolen old key
    assert verify_output(late, "t", store.current()).problem is Problem.EXPIRED_KEY
    assert not store.current().can_sign


def test_current_picks_up_a_rotation_without_restart(tmp_path):
    store = SigningKeyStore(tmp_path / "keys")
    store.generate()
    before = store.current()
    assert store.current() is before  # cached while nothing changes
    other = SigningKeyStore(tmp_path / "keys")  # e.g. the CLI in another process
    new = other.generate()
    assert store.current().signer.kid == new.kid


def test_a_private_key_readable_by_others_is_refused(tmp_path):
    store = SigningKeyStore(tmp_path / "keys")
    public = store.generate()
    os.chmod(tmp_path / "keys" / f"{public.kid}.pem", 0o644)
    with pytest.raises(ConfigurationError, match="chmod 600"):
        store.load()


def test_damaged_keyring_file_is_a_configuration_error(tmp_path):
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "keyring.json").write_text("{nope")
    with pytest.raises(ConfigurationError, match="not valid JSON"):
        SigningKeyStore(tmp_path / "keys").load()


def test_public_keys_in_every_accepted_spelling(tmp_path):
    store = SigningKeyStore(tmp_path / "keys")
    public = store.generate()
    from cryptography.hazmat.primitives import serialization

    pem = public.key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    import json

    for text in (json.dumps(store.current().jwks()), json.dumps(public.to_jwk()), pem.decode(), public.to_jwk()["x"]):
        assert public.kid in load_public_key_text(text)
    assert PublicKey.from_jwk(public.to_jwk()).kid == public.kid
