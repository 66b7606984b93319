"""Signed artifact manifests: an in-toto Statement v1 in a DSSE envelope, at DIR/paramstack.manifest.json.

The statement's subjects are the artifact's files with their SHA-256; its predicate names the kind of
artifact, the config that produced it, who made it and when, and its parents by *manifest digest*
(SHA-256 of the signed statement bytes). Those digests chain corpus -> tokenizer -> base model ->
preference data -> adapter, and a response's attestation carries its adapter's manifest digest, so any
answer can be traced back to the data behind it (provenance.py).
"""

from __future__ import annotations

import getpass
import json
import os
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from cryptography import x509

from paramstack.attest.canonical import (
    HEX64,
    EncodingProblem,
    b64std_decode,
    canonical_json,
    format_time,
    parse_time,
    sha256_hex,
    utc_now,
)
from paramstack.attest.digests import hash_files, list_files
from paramstack.attest.dsse import open_envelope, sign_envelope
from paramstack.attest.errors import ManifestVerificationFailed
from paramstack.attest.keys import KeyRing
from paramstack.attest.timestamps import TimestampAuthority, check_timestamp
from paramstack.attest.verdict import Finding, Problem, Verdict
from paramstack.errors import ArtifactError

MANIFEST_FILE = "paramstack.manifest.json"
TIMESTAMP_FILE = "paramstack.manifest.tsr"  # RFC 3161 token over the manifest's signature
MANIFEST_PREFIX = "paramstack.manifest"  # the manifest and its sidecars (an RFC 3161 token) are not subjects
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
# A URN, not a URL: paramstack owns no domain to host a schema at; in-toto accepts any URI here.
PREDICATE_TYPE = "urn:paramstack:artifact-provenance:v1"
KINDS = ("corpus", "tokenizer", "base_model", "preference_dataset", "adapter", "model", "dataset", "other")


@dataclass(frozen=True)
class Parent:
    digest: str  # the parent's manifest digest
    kind: str | None = None
    name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"digest": {"sha256": self.digest}, "kind": self.kind, "name": self.name}


@dataclass(frozen=True)
class Manifest:
    """A parsed statement (not a verification: see ``verify_manifest``)."""

    directory: Path
    digest: str
    kid: str | None
    statement: dict[str, Any]

    @property
    def predicate(self) -> dict[str, Any]:
        predicate: dict[str, Any] = self.statement["predicate"]  # an object: _parse_statement checked it
        return predicate

    @property
    def kind(self) -> str:
        kind: str = self.predicate["kind"]  # one of KINDS: _parse_statement checked it
        return kind

    @property
    def name(self) -> str | None:
        return self.predicate.get("name")

    @property
    def files(self) -> dict[str, str]:
        return {s["name"]: s["digest"]["sha256"] for s in self.statement["subject"]}

    @property
    def parents(self) -> list[Parent]:
        return [Parent(p["digest"]["sha256"], p.get("kind"), p.get("name")) for p in self.predicate["parents"]]

    def summary(self) -> dict[str, Any]:
        return {
            "directory": str(self.directory),
            "digest": self.digest,
            "kind": self.kind,
            "name": self.name,
            "kid": self.kid,
            "files": len(self.files),
            "parents": [p.to_dict() for p in self.parents],
            "created_by": self.predicate.get("created_by"),
            "created_at": self.predicate.get("created_at"),
            "config": self.predicate.get("config"),
        }


def write_manifest(
    artifact_dir: Path | str,
    kind: str,
    *,
    keyring: KeyRing,
    parents: Iterable[Manifest | Parent | Path | str] = (),
    config: Mapping[str, Any] | None = None,
    name: str | None = None,
    created_by: str | None = None,
    now: datetime | None = None,
) -> Manifest:
    """Hash every file of ``artifact_dir`` and write its signed manifest (replacing an older one).

    ``parents``: parent artifact directories (their manifests must verify), Manifests, Parents, or
    manifest digests. Call it last, after every file of the artifact is written.
    """
    root = Path(artifact_dir)
    if kind not in KINDS:
        raise ArtifactError(f"unknown artifact kind {kind!r}; one of {', '.join(KINDS)}")
    signer = keyring.signer
    names = list_files(root, MANIFEST_PREFIX)
    digests = hash_files(root, names)
    statement = {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": n, "digest": {"sha256": digests[n]}} for n in names],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "kind": kind,
            "name": name or root.resolve().name,
            "parents": [_parent(p, keyring).to_dict() for p in parents],
            "config": _json_ready(config or {}),
            "created_by": created_by or _who(),
            "created_at": format_time(now or utc_now()),
            "generator": "paramstack",
        },
    }
    try:
        payload = canonical_json(statement)
    except EncodingProblem as error:
        raise ArtifactError(f"manifest config cannot be signed: {error}") from None
    envelope = sign_envelope(payload, signer)
    target = root / MANIFEST_FILE
    tmp = root / f"{MANIFEST_FILE}.tmp"
    tmp.write_text(json.dumps(envelope, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, target)
    return Manifest(root, sha256_hex(payload), signer.kid, statement)


def read_manifest(artifact_dir: Path | str) -> Manifest:
    """Parse DIR's manifest without checking signature or files; ArtifactError when missing/malformed."""
    root = Path(artifact_dir)
    envelope = _load_envelope(root)
    try:
        payload = b64std_decode(envelope.get("payload"))
        statement = _parse_statement(payload)
    except EncodingProblem as error:
        raise ArtifactError(f"{root / MANIFEST_FILE}: malformed manifest ({error})") from None
    kid = next((s.get("keyid") for s in envelope.get("signatures") or [] if isinstance(s, Mapping)), None)
    return Manifest(root, sha256_hex(payload), kid, statement)


def manifest_digest(artifact_dir: Path | str) -> str | None:
    """The digest a response attestation records for an adapter; None when it has no manifest."""
    try:
        return read_manifest(artifact_dir).digest
    except ArtifactError:
        return None


def verify_manifest(
    artifact_dir: Path | str, keyring: KeyRing, tsa_roots: list[x509.Certificate] | None = None
) -> Verdict:
    """Valid, or what failed: missing manifest, malformed, unknown key, bad signature, expired key,
    and every missing, changed or extra file by name. With ``tsa_roots``, a timestamp token beside the
    manifest (``timestamp_manifest``) must verify too."""
    root = Path(artifact_dir)
    where = str(root / MANIFEST_FILE)
    if not (root / MANIFEST_FILE).is_file():
        return Verdict.fail(Problem.MISSING_MANIFEST, f"{root} has no {MANIFEST_FILE}", where)
    try:
        opened = open_envelope(_load_envelope(root), keyring)
        statement = _parse_statement(opened.payload)
    except (EncodingProblem, ArtifactError) as error:
        message = error.message if isinstance(error, ArtifactError) else f"{where}: malformed manifest ({error})"
        return Verdict.fail(Problem.MALFORMED, message, where)
    manifest = Manifest(root, sha256_hex(opened.payload), opened.key.kid if opened.key else None, statement)
    details: dict[str, Any] = {"manifest": manifest.summary()}
    if opened.failure is not None:
        return Verdict((opened.failure,), details)
    assert opened.key is not None
    if not opened.key.signed_in_validity(parse_time(manifest.predicate["created_at"])):
        return Verdict.fail(
            Problem.EXPIRED_KEY,
            f"key {opened.key.kid} was no longer valid when the manifest was signed",
            "signature",
            **details,
        )
    findings = _compare_files(root, manifest.files)
    token_path = root / TIMESTAMP_FILE
    if tsa_roots and token_path.is_file():
        signature = b64std_decode(_load_envelope(root)["signatures"][0]["sig"])
        stamped_at, problem = check_timestamp(token_path.read_bytes(), signature, tsa_roots)
        if problem:
            findings.append(Finding(Problem.BAD_TIMESTAMP, f"{TIMESTAMP_FILE}: {problem}", TIMESTAMP_FILE))
        details["timestamp"] = format_time(stamped_at) if stamped_at else None
    return Verdict(tuple(findings), details)


def timestamp_manifest(artifact_dir: Path | str, tsa: TimestampAuthority) -> Path:
    """Fetch an RFC 3161 token over the manifest's signature and keep it beside the manifest."""
    root = Path(artifact_dir)
    envelope = _load_envelope(root)
    try:
        signature = b64std_decode(envelope["signatures"][0]["sig"])
    except (EncodingProblem, KeyError, IndexError, TypeError):
        raise ArtifactError(f"{root / MANIFEST_FILE}: malformed manifest (no signature)") from None
    target = root / TIMESTAMP_FILE
    target.write_bytes(tsa.timestamp(signature))
    return target


def ensure_artifact_verified(artifact_dir: Path | str, keyring: KeyRing) -> Manifest:
    """For the engine/router before loading an adapter (when ``require_verified_manifests``): the
    verified manifest, or ManifestVerificationFailed naming the failing file."""
    verdict = verify_manifest(artifact_dir, keyring)
    if not verdict:
        raise ManifestVerificationFailed(f"artifact {artifact_dir} failed verification: {verdict.message}", verdict)
    return read_manifest(artifact_dir)


def _compare_files(root: Path, expected: dict[str, str]) -> list[Finding]:
    present = set(list_files(root, MANIFEST_PREFIX))
    findings = [
        Finding(Problem.MISSING_FILE, f"{name} is listed in the manifest but missing", name)
        for name in sorted(set(expected) - present)
    ]
    actual = hash_files(root, sorted(set(expected) & present))
    findings += [
        Finding(
            Problem.CHANGED_FILE,
            f"{name} changed after signing (sha256 {digest[:16]}..., signed {expected[name][:16]}...)",
            name,
        )
        for name, digest in actual.items()
        if digest != expected[name]
    ]
    findings += [
        Finding(Problem.EXTRA_FILE, f"{name} is not in the manifest (added after signing)", name)
        for name in sorted(present - set(expected))
    ]
    return findings


def _load_envelope(root: Path) -> dict[str, Any]:
    path = root / MANIFEST_FILE
    try:
        envelope = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ArtifactError(f"{root} has no {MANIFEST_FILE}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ArtifactError(f"{path}: malformed manifest (not JSON: {error})") from None
    if not isinstance(envelope, dict):
        raise ArtifactError(f"{path}: malformed manifest (not a DSSE envelope)")
    return envelope


def _parse_statement(payload: bytes) -> dict[str, Any]:
    try:
        statement = json.loads(payload.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise EncodingProblem("the payload is not a JSON statement") from None
    if not isinstance(statement, dict) or statement.get("_type") != STATEMENT_TYPE:
        raise EncodingProblem(f"the payload is not an in-toto {STATEMENT_TYPE} statement")
    if statement.get("predicateType") != PREDICATE_TYPE:
        raise EncodingProblem(f"predicateType is not {PREDICATE_TYPE}")
    subjects, predicate = statement.get("subject"), statement.get("predicate")
    if not isinstance(subjects, list) or not isinstance(predicate, dict):
        raise EncodingProblem("subject must be a list and predicate an object")
    names: set[str] = set()
    for subject in subjects:
        name = subject.get("name") if isinstance(subject, dict) else None
        digest = _sha256_of(subject)
        # a subject outside the directory would make verification read files elsewhere
        if (
            not isinstance(name, str)
            or not name
            or name in names
            or PurePosixPath(name).is_absolute()
            or ".." in PurePosixPath(name).parts
            or not (isinstance(digest, str) and HEX64.match(digest))
        ):
            raise EncodingProblem(f"bad subject {str(name)[:80]!r}")
        names.add(name)
    if predicate.get("kind") not in KINDS or not isinstance(predicate.get("parents"), list):
        raise EncodingProblem("predicate needs a known kind and a parents list")
    for parent in predicate["parents"]:
        digest = _sha256_of(parent)
        if not (isinstance(digest, str) and HEX64.match(digest)):
            raise EncodingProblem("a parent needs a sha256 manifest digest")
    parse_time(predicate.get("created_at"))
    return statement


def _sha256_of(descriptor: Any) -> Any:
    digest = descriptor.get("digest") if isinstance(descriptor, dict) else None
    return digest.get("sha256") if isinstance(digest, dict) else None


def _parent(parent: Manifest | Parent | Path | str, keyring: KeyRing) -> Parent:
    if isinstance(parent, Parent):
        return parent
    if isinstance(parent, Manifest):
        return Parent(parent.digest, parent.kind, parent.name)
    text = str(parent).removeprefix("sha256:")
    if isinstance(parent, str) and HEX64.match(text):
        return Parent(text)
    manifest = ensure_artifact_verified(Path(parent), keyring)  # never build on an unverified parent
    return Parent(manifest.digest, manifest.kind, manifest.name)


def _json_ready(config: Mapping[str, Any]) -> Any:
    """Paths, tuples and dataclass-ish values as plain JSON (a training config is often a dataclass)."""
    return json.loads(json.dumps(dict(config), default=str))


def _who() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"
