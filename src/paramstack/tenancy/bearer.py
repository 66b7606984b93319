"""The ``Authorization`` header -> the bearer secret, refusing every malformed shape before anything is hashed or
looked up.

A key paramstack issues is ``psk-``/``psa-`` and 43 URL-safe base64 characters. Anything that cannot be a key
(absurd length, non-ASCII, control characters, spaces inside, another scheme) is refused here with the same 401
as an unknown key: it costs no hash, no cache entry and no database query, and tells a prober nothing.
"""

from __future__ import annotations

import re

from paramstack.errors import AuthenticationFailed

# RFC 6750's b64token; generous in length (keys are 47 characters) without letting a 1 MB header be hashed.
MAX_SECRET_LENGTH = 256
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
INCORRECT_KEY = "Incorrect API key provided. You can create keys with `paramstack keys create`."


def bearer_secret(authorization: str | None) -> str:
    """The secret of ``Authorization: Bearer <secret>``; ``AuthenticationFailed`` for anything else."""
    if not authorization:
        raise AuthenticationFailed(
            "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.", code="missing_api_key"
        )
    if len(authorization) > MAX_SECRET_LENGTH + 16:
        raise AuthenticationFailed(INCORRECT_KEY)
    scheme, _, secret = authorization.strip(" \t").partition(" ")
    if scheme.lower() != "bearer":
        raise AuthenticationFailed("The Authorization header must be 'Bearer <key>'.")
    secret = secret.strip(" \t")
    if not secret:
        raise AuthenticationFailed("The Authorization header must be 'Bearer <key>'.")
    if len(secret) > MAX_SECRET_LENGTH or not _B64TOKEN.fullmatch(secret):
        raise AuthenticationFailed(INCORRECT_KEY)
    return secret
