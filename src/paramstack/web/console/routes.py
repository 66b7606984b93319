"""``/console/``: the operations console's page, its assets, and sign-in / sign-out.

The page holds no data: everything comes from the admin API (``/admin/...``) with the session cookie set here.
The cookie is HttpOnly (page scripts cannot read it), SameSite=Strict (never sent by another site's request),
Secure when the request came over TLS (directly or through a proxy uvicorn trusts), and ends with the session.
The key is sent once, in the body of ``POST /console/session``: never in a URL, never logged.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from paramstack.attest.admin_audit import record_admin_action
from paramstack.errors import AuthenticationFailed, NotFound
from paramstack.gateway import console_access
from paramstack.gateway.console_access import SESSION_COOKIE
from paramstack.gateway.services import Services, services
from paramstack.tenancy.sessions import Session

STATIC_DIR = Path(__file__).parent / "static"
STATIC_FILES = {
    "console.js": "text/javascript",
    "console.css": "text/css",
    "i18n.js": "text/javascript",
    "pages.js": "text/javascript",
    "tenants.js": "text/javascript",
    "vendor/chart.umd.min.js": "text/javascript",
    "vendor/chart.js-LICENSE.md": "text/markdown",
}
# Only the page's own scripts and styles run; nothing inline, nothing from elsewhere, no framing.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

router = APIRouter(prefix="/console", tags=["console"])
Svc = Annotated[Services, Depends(services)]


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    api_key: str = Field(min_length=1, max_length=200, description="An admin key or a tenant key")


def _session_view(session: Session) -> dict[str, Any]:
    caller = session.caller
    return {
        "object": "console.session",
        "scope": caller.key.scope,
        "key_id": caller.key.key_id,
        "key_name": caller.key.name,
        "org_id": caller.tenant.org_id if caller.tenant else None,
        "tenant_name": caller.tenant.name if caller.tenant else None,
        "expires_at": session.expires_at.isoformat(),
        "csrf_token": session.csrf_token,
    }


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


@router.get("", include_in_schema=False)
def page_redirect() -> RedirectResponse:
    return RedirectResponse("/console/")


@router.get("/", include_in_schema=False)
def page() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html", headers=_PAGE_HEADERS)


@router.get("/static/{name:path}", include_in_schema=False)
def static(name: str) -> FileResponse:
    if name not in STATIC_FILES:  # a fixed list: no path from the URL ever reaches the file system
        raise NotFound(f"no such file {name!r}")
    return FileResponse(
        STATIC_DIR / name,
        media_type=STATIC_FILES[name],
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


@router.post("/session", status_code=201)
def sign_in(body: SignIn, request: Request, svc: Svc) -> JSONResponse:
    """Sign in with an admin key (the whole console) or a tenant key (a read-only view of that tenant)."""
    token, session = console_access.console_sessions(svc).sign_in(body.api_key)
    if session.caller.key.scope == "admin":
        record_admin_action(svc.database, key_id=session.caller.key.key_id, action="console.sign_in")
    response = JSONResponse(_session_view(session), status_code=201, headers={"Cache-Control": "no-store"})
    max_age = int((session.expires_at - datetime.now(UTC)).total_seconds())
    response.set_cookie(
        SESSION_COOKIE, token, max_age=max_age, path="/", httponly=True, samesite="strict", secure=_secure(request)
    )
    return response


@router.get("/session")
def current_session(request: Request, svc: Svc) -> JSONResponse:
    """Who is signed in, until when, and the CSRF token every change must send as ``X-CSRF-Token``."""
    session = console_access.console_sessions(svc).find(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise AuthenticationFailed("Not signed in, or the session has expired.", code="invalid_session")
    return JSONResponse(_session_view(session), headers={"Cache-Control": "no-store"})


@router.delete("/session")
def sign_out(request: Request, svc: Svc) -> JSONResponse:
    """End the session (CSRF token required) and clear the cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token or request.headers.get("authorization"):
        raise AuthenticationFailed("Not signed in.", code="invalid_session")
    caller = console_access.viewer(request, svc)  # checks the session and the CSRF token
    console_access.console_sessions(svc).sign_out(token)
    if caller.key.scope == "admin":
        record_admin_action(svc.database, key_id=caller.key.key_id, action="console.sign_out")
    response = JSONResponse({"object": "console.session", "signed_out": True})
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request))
    return response
