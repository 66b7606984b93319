"""Who the end user of a completion request is, for sticky canary assignment.

The request's ``user`` field when the client sends one (one API key often serves many end users), else the
API key's public id: the same user stays on the same adapter version while a canary step lasts.
"""

from __future__ import annotations


def sticky_key(user: str | None, key_id: str) -> str:
    return f"user:{user}" if user else f"key:{key_id}"
