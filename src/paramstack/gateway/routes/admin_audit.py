"""The audit chain for operators: is it intact, up to which entry, its last signed checkpoint, and an export.

Admins only. Verification re-hashes the whole chain (``paramstack audit verify``), in the thread pool.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from paramstack.attest.audit import AuditLog
from paramstack.attest.audit_stats import admin_actions
from paramstack.attest.audit_verify import verify_audit_chain
from paramstack.attest.keystore import SigningKeyStore
from paramstack.attest.timestamps import check_timestamp, load_tsa_roots
from paramstack.gateway import console_access
from paramstack.gateway.services import Services, services
from paramstack.tenancy.models import ORG_ID_PATTERN

router = APIRouter(prefix="/admin/audit", tags=["admin: audit"])
Svc = Annotated[Services, Depends(services)]


@router.get("/status")
def audit_status(request: Request, svc: Svc) -> dict[str, Any]:
    """The chain's verdict, the last entry it is verified up to, the last checkpoint with its RFC 3161 time, and
    the latest changes recorded in it (admin actions and canary decisions, with the key that made them)."""
    console_access.admin(request, svc)
    attest = svc.settings.attest
    keyring = SigningKeyStore(attest.resolved_keys_dir(svc.settings.home)).current()
    roots = load_tsa_roots(attest.tsa_certificate) if attest.tsa_certificate else None
    verdict = verify_audit_chain(svc.database, keyring, tsa_roots=roots)
    result = verdict.to_dict()
    first_bad = next((f.where for f in verdict.findings if isinstance(f.where, int)), None)
    result["verified_up_to_seq"] = (
        result.get("head_seq") if verdict.valid else (first_bad - 1 if isinstance(first_bad, int) else None)
    )
    checkpoints = AuditLog(svc.database).checkpoints()
    last = checkpoints[-1] if checkpoints else None
    result["last_checkpoint"] = (
        None
        if last is None
        else {
            **{k: v for k, v in last.to_dict().items() if k != "tsa_token"},
            "rfc3161": _tsa_time(last.tsa_token, last.signature_bytes(), roots),
        }
    )
    result["recent_changes"] = admin_actions(svc.database)
    return {"object": "audit.status", **result}


def _tsa_time(token: bytes | None, signed: bytes, roots: list[Any] | None) -> dict[str, Any] | None:
    """The RFC 3161 time of a checkpoint: verified against the TSA certificate when one is configured."""
    if token is None:
        return None
    if roots:
        when, problem = check_timestamp(token, signed, roots)
        return {"time": when.isoformat() if when else None, "verified": problem is None, "problem": problem}
    from rfc3161_client import decode_timestamp_response

    try:
        when = decode_timestamp_response(token).tst_info.gen_time
    except ValueError as error:
        return {"time": None, "verified": False, "problem": f"the token does not parse ({error})"}
    return {
        "time": when.isoformat(),
        "verified": False,
        "problem": "not verified: set attest.tsa_certificate to check the TSA's signature",
    }


def _aware(moment: datetime | None) -> datetime | None:
    """A time without a zone is UTC, as in `paramstack audit export`."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}, "description": "Entries as JSON lines"}},
)
def audit_export(
    request: Request,
    svc: Svc,
    since: Annotated[datetime | None, Query(description="From this time (ISO 8601)")] = None,
    until: Annotated[datetime | None, Query(description="Before this time")] = None,
    tenant: Annotated[str | None, Query(pattern=ORG_ID_PATTERN, description="Only this tenant")] = None,
) -> StreamingResponse:
    """`paramstack audit export` over HTTP: every entry with its hashes, so a copy can be re-verified."""
    console_access.admin(request, svc)
    rows = AuditLog(svc.database).export(since=_aware(since), until=_aware(until), org_id=tenant)

    def lines() -> Iterator[bytes]:
        for row in rows:
            yield (json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")

    return StreamingResponse(
        lines(),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="paramstack-audit.jsonl"', "Cache-Control": "no-store"},
    )
