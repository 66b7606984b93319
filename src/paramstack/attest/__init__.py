"""Attestation: Ed25519 keys, signed responses, the audit hash chain, signed artifact manifests.

Public API (everything here works without the gateway; the gateway only calls it):
  keys       SigningKeyStore(dir).current() -> KeyRing; KeyRing.jwks(); load_public_key_text(...)
  responses  sign_output(...) -> SignedAttestation; verify_output(signed, output, key) -> Verdict;
             request_sha256(body); attach_attestation / attestation_headers / attestation_sse_event;
             verify_response(saved_body_or_sse, key) -> Verdict
  audit      AuditLog(engine, keyring).append(AuditEntry(...)); verify_audit_chain(engine, keyring)
  artifacts  write_manifest(dir, kind, keyring=..., parents=[...], config={...});
             verify_manifest(dir, keyring) -> Verdict; ensure_artifact_verified(dir, keyring);
             manifest_digest(dir); ManifestRegistry + lineage for provenance
"""

from paramstack.attest.audit import AuditEntry, AuditLog, AuditReceipt
from paramstack.attest.audit_verify import verify_audit_chain
from paramstack.attest.checkpoints import Checkpoint
from paramstack.attest.errors import (
    AttestationInputError,
    AuditLogUnavailable,
    ManifestVerificationFailed,
    SigningKeyUnavailable,
)
from paramstack.attest.keys import KeyRing, PublicKey, SigningKey, load_public_key_text
from paramstack.attest.keystore import SigningKeyStore
from paramstack.attest.manifest import (
    MANIFEST_FILE,
    Manifest,
    ensure_artifact_verified,
    manifest_digest,
    read_manifest,
    verify_manifest,
    write_manifest,
)
from paramstack.attest.provenance import LineageNode, ManifestRegistry, lineage
from paramstack.attest.response import SignedAttestation, request_sha256, sign_output, verify_output
from paramstack.attest.settings import AttestSettings
from paramstack.attest.verdict import Finding, Problem, Verdict
from paramstack.attest.wire import (
    ATTESTATION_HEADER,
    attach_attestation,
    attestation_headers,
    attestation_sse_event,
    read_response,
    verify_response,
)

__all__ = [
    "ATTESTATION_HEADER",
    "MANIFEST_FILE",
    "AttestSettings",
    "AttestationInputError",
    "AuditEntry",
    "AuditLog",
    "AuditLogUnavailable",
    "AuditReceipt",
    "Checkpoint",
    "Finding",
    "KeyRing",
    "LineageNode",
    "Manifest",
    "ManifestRegistry",
    "ManifestVerificationFailed",
    "Problem",
    "PublicKey",
    "SignedAttestation",
    "SigningKey",
    "SigningKeyStore",
    "SigningKeyUnavailable",
    "Verdict",
    "attach_attestation",
    "attestation_headers",
    "attestation_sse_event",
    "ensure_artifact_verified",
    "lineage",
    "load_public_key_text",
    "manifest_digest",
    "read_manifest",
    "read_response",
    "request_sha256",
    "sign_output",
    "verify_audit_chain",
    "verify_manifest",
    "verify_output",
    "verify_response",
    "write_manifest",
]
