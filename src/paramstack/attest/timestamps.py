"""RFC 3161 timestamps from a time-stamping authority (TSA), over our signatures.

A signed checkpoint or manifest proves *who* signed; a TSA token over that signature proves it existed
no later than the TSA's time, which the signer cannot backdate (a key stolen later cannot produce
"old" checkpoints). What is stamped is the raw Ed25519 signature: the usual "signature timestamp".
Tokens are stored whole (the DER TimeStampResp) and verified against the TSA's root certificate.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import httpx
from cryptography import x509
from rfc3161_client import (
    HashAlgorithm,
    PKIStatus,
    TimestampRequestBuilder,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from paramstack.errors import ConfigurationError, ServiceUnavailable


class TimestampAuthorityError(ServiceUnavailable):
    code = "timestamp_authority_error"


class TimestampAuthority:
    """A TSA reached over HTTP (RFC 3161 section 3.4: POST application/timestamp-query)."""

    def __init__(self, url: str, *, timeout_s: float = 10.0, client: httpx.Client | None = None) -> None:
        self.url = url
        self._timeout = timeout_s
        self._client = client

    def timestamp(self, data: bytes) -> bytes:
        """The TSA's DER TimeStampResp over SHA-256(data), checked to answer our request."""
        request = (
            TimestampRequestBuilder()
            .data(data)
            .hash_algorithm(HashAlgorithm.SHA256)
            .nonce(nonce=True)
            .cert_request(cert_request=True)
            .build()
        )
        client = self._client or httpx.Client(timeout=self._timeout)
        try:
            reply = client.post(
                self.url, content=request.as_bytes(), headers={"content-type": "application/timestamp-query"}
            )
            reply.raise_for_status()
        except httpx.HTTPError as error:
            raise TimestampAuthorityError(f"time-stamping authority {self.url}: {error}") from None
        finally:
            if self._client is None:
                client.close()
        try:
            response = decode_timestamp_response(reply.content)
        except ValueError as error:
            raise TimestampAuthorityError(f"time-stamping authority {self.url} sent no valid reply: {error}") from None
        if response.status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
            raise TimestampAuthorityError(f"time-stamping authority {self.url} refused: status {response.status}")
        if response.tst_info.nonce != request.nonce:
            raise TimestampAuthorityError(f"time-stamping authority {self.url} answered another request (nonce)")
        return response.as_bytes()


def load_tsa_roots(path: Path) -> list[x509.Certificate]:
    """The TSA's root (and any more) certificates from one PEM file."""
    try:
        return x509.load_pem_x509_certificates(Path(path).read_bytes())
    except (OSError, ValueError) as error:
        raise ConfigurationError(f"TSA certificate file {path}: {error}") from None


def check_timestamp(token: bytes, data: bytes, roots: list[x509.Certificate]) -> tuple[datetime | None, str | None]:
    """(the TSA's time, None) when ``token`` is a valid timestamp of ``data`` under ``roots``,
    else (None, why not)."""
    try:
        response = decode_timestamp_response(token)
    except ValueError as error:
        return None, f"the timestamp token does not parse ({error})"
    builder = VerifierBuilder()
    for root in roots:
        builder = builder.add_root_certificate(root)
    try:
        builder.build().verify_message(response, data)
    except (VerificationError, ValueError) as error:
        return None, f"the timestamp does not verify: {error}"
    return response.tst_info.gen_time, None
