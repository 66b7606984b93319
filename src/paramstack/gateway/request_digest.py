"""The digest of a request as the client sent it: what an attestation binds, without keeping the prompt."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from paramstack.attest import AttestationInputError, request_sha256


def request_digest(raw_body: Mapping[str, Any]) -> str:
    """SHA-256 of the RFC 8785 (JCS) form of the parsed body.

    A valid request may hold a value JCS cannot represent (a seed above 2**53): then the digest is taken
    over sorted-key compact JSON instead, which is just as stable; the request is not refused for it.
    """
    try:
        return request_sha256(raw_body)
    except AttestationInputError:
        canonical = json.dumps(raw_body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
