"""Who is asking the admin API: a Bearer key (scripts, the CLI's peers) or a console session cookie.

A request with an ``Authorization`` header is judged by the key alone, as before. Without one, the console's
session cookie is looked up; a change (any method but GET/HEAD/OPTIONS) made with a cookie must also carry the
session's CSRF token in ``X-CSRF-Token`` (403 without it: a cookie alone is what a forged cross-site request
would have). A tenant may read its own tenant only: asking for another one is a 404, as if it did not exist.
"""

from __future__ import annotations

from fastapi import Request

from paramstack.errors import AuthenticationFailed, NotFound, PermissionDenied
from paramstack.gateway.services import Services
from paramstack.tenancy.models import Caller
from paramstack.tenancy.sessions import ConsoleSessions, csrf_matches

SESSION_COOKIE = "paramstack_console"
CSRF_HEADER = "x-csrf-token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def console_sessions(svc: Services) -> ConsoleSessions:
    return ConsoleSessions(svc.database, ttl_s=svc.settings.console_session_ttl_s)


def viewer(request: Request, svc: Services) -> Caller:
    """An admin or a tenant, by key or by session (blocking: call it from a worker thread)."""
    authorization = request.headers.get("authorization")
    if authorization:
        try:
            return svc.authenticator.authenticate_blocking(authorization, scope="admin")
        except PermissionDenied as denied:
            if denied.code == "tenant_disabled":
                raise
            return svc.authenticator.authenticate_blocking(authorization, scope="tenant")
    token = request.cookies.get(SESSION_COOKIE)
    session = console_sessions(svc).find(token)
    if session is None or token is None:
        raise AuthenticationFailed(
            "Sign in again: the console session is missing or has expired.", code="invalid_session"
        )
    if request.method not in _SAFE_METHODS and not csrf_matches(token, request.headers.get(CSRF_HEADER)):
        raise PermissionDenied(
            "The CSRF token is missing or wrong: reload the console and try again.", code="csrf_failed"
        )
    return session.caller


def admin(request: Request, svc: Services) -> Caller:
    caller = viewer(request, svc)
    if caller.key.scope != "admin":
        raise PermissionDenied("this endpoint needs an admin key; the key given is a tenant key")
    return caller


def tenant_scope(caller: Caller, org_id: str | None) -> str | None:
    """The tenant a request may see: any (or all, None) for an admin, only its own for a tenant."""
    if caller.tenant is None:
        return org_id
    if org_id is not None and org_id != caller.tenant.org_id:
        raise NotFound(f"tenant {org_id!r} does not exist", param="org_id")
    return caller.tenant.org_id
