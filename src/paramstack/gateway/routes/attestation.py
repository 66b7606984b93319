"""GET /v1/attestation/keys (JWKS of every signing key, retired ones included) and
POST /v1/attestation/verify (a saved response, or {attestation, output}: valid, or what failed).

Both are public by design: public keys are meant to be fetched by anyone, and verifying needs nothing
secret. Built by ``build_attestation_router`` from the key ring source the app owns (no globals), e.g.
``app.include_router(build_attestation_router(SigningKeyStore(keys_dir).current))``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from paramstack.attest.keys import KeyRing
from paramstack.attest.wire import verify_response
from paramstack.errors import InvalidRequest

KeyRingSource = KeyRing | Callable[[], KeyRing]


def build_attestation_router(keyring: KeyRingSource) -> APIRouter:
    """``keyring``: a KeyRing, or a callable returning the current one (so rotations show up live)."""
    current = keyring if callable(keyring) else (lambda: keyring)
    router = APIRouter(tags=["attestation"])

    @router.get("/v1/attestation/keys")
    async def attestation_keys() -> JSONResponse:
        # Short cache: verifiers may hold it a while, and a rotation is visible within minutes.
        return JSONResponse(current().jwks(), headers={"cache-control": "public, max-age=300"})

    @router.post("/v1/attestation/verify")
    async def verify_attestation(request: Request) -> dict[str, Any]:
        try:
            document = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise InvalidRequest(
                'the body must be JSON: a saved response, or {"attestation", "output"}', param="body"
            ) from None
        if not isinstance(document, dict) or "attestation" not in document:
            raise InvalidRequest(
                'the body must be an object with an \'attestation\' (a saved response, or {"attestation", "output"})',
                param="attestation",
            )
        return verify_response(document, current()).to_dict()

    return router
