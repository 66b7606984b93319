"""Signing keys on disk: ``keyring.json`` (public keys, which one is active) and one ``<kid>.pem`` each.

Private keys are PKCS#8 PEM files created with mode 0600 in a 0700 directory (created that way, never
chmod-ed after the fact, so there is no moment when they are readable by others). A private key file
that others can read is refused, as ssh does. Nothing here logs or prints key material.
"""

from __future__ import annotations

import fcntl
import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from paramstack.attest.canonical import EncodingProblem, utc_now
from paramstack.attest.keys import KeyRing, PublicKey, SigningKey, key_id, retire
from paramstack.errors import ConfigurationError, NotFound

KEYRING_FILE = "keyring.json"
KEYRING_FORMAT = "paramstack-keyring/1"


class SigningKeyStore:
    """One directory of signing keys. Safe against concurrent key commands (an flock)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._keyring_file = str(self.directory / KEYRING_FILE)
        self._cached: tuple[tuple[int, int], KeyRing] | None = None

    # reading

    def load(self) -> KeyRing:
        """The current key ring; empty (verify-only, cannot sign) when no key was ever made."""
        document = self._read_document()
        try:
            keys = [PublicKey.from_jwk(jwk) for jwk in document["keys"]]
        except (EncodingProblem, KeyError, TypeError) as error:
            raise ConfigurationError(f"{self._keyring_path}: not a valid key ring ({error})") from None
        active = document.get("active")
        if active is None:
            return KeyRing(keys)
        public = next((k for k in keys if k.kid == active), None)
        if public is None:
            raise ConfigurationError(f"{self._keyring_path}: the active key {active!r} is not listed")
        return KeyRing(keys, self._load_private(public))

    def current(self) -> KeyRing:
        """``load()`` cached until keyring.json changes: cheap enough to call per request,
        and a rotation by ``paramstack attest keygen`` is picked up without a restart."""
        try:
            st = os.stat(self._keyring_file)  # os.stat of a str: a third of Path.stat's cost
            stamp = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            stamp = (0, 0)
        if self._cached is None or self._cached[0] != stamp:
            self._cached = (stamp, self.load())
        return self._cached[1]

    def load_or_create(self) -> KeyRing:
        """What ``paramstack init``/serve wants: a signing key exists afterwards."""
        ring = self.load()
        if ring.can_sign:
            return ring
        self.generate()
        return self.load()

    # changing

    def generate(
        self, *, expires_at: datetime | None = None, activate: bool = True, now: datetime | None = None
    ) -> PublicKey:
        """Make a new key; when it becomes active, the previously active key is retired (rotation)."""
        now = now or utc_now()
        private = Ed25519PrivateKey.generate()
        public = PublicKey(
            key=private.public_key(), kid=key_id(private.public_key()), created_at=now, expires_at=expires_at
        )
        with self._locked():
            document = self._read_document()
            pem = private.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            self._write_private(public.kid, pem)
            keys = [PublicKey.from_jwk(jwk) for jwk in document["keys"]]
            previous = document.get("active")
            if activate:
                keys = [retire(k, now) if k.kid == previous and k.retired_at is None else k for k in keys]
                document["active"] = public.kid
            document["keys"] = [k.to_jwk() for k in [*keys, public]]
            self._write_document(document)
        return public

    def retire(self, kid: str, at: datetime | None = None) -> PublicKey:
        """End a key's signing span; it stays published so that what it signed still verifies."""
        at = at or utc_now()
        with self._locked():
            document = self._read_document()
            keys = [PublicKey.from_jwk(jwk) for jwk in document["keys"]]
            if kid not in {k.kid for k in keys}:
                raise NotFound(f"no signing key with id {kid!r} in {self.directory}")
            keys = [retire(k, at) if k.kid == kid else k for k in keys]
            if document.get("active") == kid:
                document["active"] = None
            document["keys"] = [k.to_jwk() for k in keys]
            self._write_document(document)
        return next(k for k in keys if k.kid == kid)

    # files

    @property
    def _keyring_path(self) -> Path:
        return self.directory / KEYRING_FILE

    def _read_document(self) -> dict[str, Any]:
        try:
            document = json.loads(self._keyring_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"format": KEYRING_FORMAT, "active": None, "keys": []}
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ConfigurationError(f"{self._keyring_path}: not valid JSON ({error})") from None
        if not isinstance(document, dict) or document.get("format") != KEYRING_FORMAT:
            raise ConfigurationError(f"{self._keyring_path}: not a {KEYRING_FORMAT} document")
        return document

    def _write_document(self, document: dict[str, Any]) -> None:
        # write-then-rename: a reader (the gateway's `current()`) never sees half a file
        tmp = self._keyring_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, self._keyring_path)

    def _private_path(self, kid: str) -> Path:
        return self.directory / f"{kid}.pem"

    def _write_private(self, kid: str, pem: bytes) -> None:
        fd = os.open(self._private_path(kid), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)

    def _load_private(self, public: PublicKey) -> SigningKey:
        path = self._private_path(public.kid)
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            raise ConfigurationError(f"the active signing key's private file {path} is missing") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigurationError(
                f"private key {path} is accessible by others (mode {stat.S_IMODE(mode):o}); run: chmod 600 {path}"
            )
        try:
            private = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except ValueError:
            raise ConfigurationError(f"private key {path} does not parse") from None
        if not isinstance(private, Ed25519PrivateKey) or key_id(private.public_key()) != public.kid:
            raise ConfigurationError(f"private key {path} is not the Ed25519 key {public.kid}")
        return SigningKey(private=private, public=public)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        with open(self.directory / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
