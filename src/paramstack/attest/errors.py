"""Errors of the attest room, each a subclass of the shared tree in ``paramstack.errors``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from paramstack.errors import ArtifactError, ConfigurationError, InvalidRequest, ServiceUnavailable

if TYPE_CHECKING:
    from paramstack.attest.verdict import Verdict


class SigningKeyUnavailable(ConfigurationError):
    """No usable private key: signing cannot happen (verification with public keys still can)."""

    code = "signing_key_unavailable"


class AttestationInputError(InvalidRequest):
    """A value that cannot be put into a signed payload (e.g. an integer JCS cannot represent)."""

    code = "attestation_input_invalid"


class ManifestVerificationFailed(ArtifactError):
    """An artifact whose files do not match its signed manifest; the message names the file."""

    code = "manifest_verification_failed"

    def __init__(self, message: str, verdict: Verdict) -> None:
        super().__init__(message)
        self.verdict = verdict


class AuditLogUnavailable(ServiceUnavailable):
    """The audit tables are missing or their chain head is gone: appending would break the chain."""

    code = "audit_log_unavailable"
