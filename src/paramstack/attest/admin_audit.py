"""Changes made through the admin API (and so the console) go into the same tamper-evident audit chain as calls.

An entry names the admin key that made the change (``api_key_id``), the action (``status``, e.g.
``admin:key.revoke``), the tenant it touched (``org_id``, ``-`` for none) and the object (in ``request_id``).
``model`` is ``admin-api``, so reports over calls can leave these entries out. Never a secret or a form's text.
"""

from __future__ import annotations

import secrets

from sqlalchemy.engine import Engine

from paramstack.attest.audit import AuditEntry, AuditLog

ADMIN_MODEL = "admin-api"
CANARY_MODEL = "canary-controller"  # what the canary controller's decisions are recorded under
NOT_CALLS = (ADMIN_MODEL, CANARY_MODEL)  # audit entries that are not calls to a model


def record_admin_action(
    database: Engine, *, key_id: str, action: str, org_id: str | None = None, target: str = ""
) -> None:
    """Append one entry for a change, in a transaction of its own (blocking: call it off the event loop)."""
    suffix = secrets.token_hex(6)
    request_id = f"admin-{target}-{suffix}" if target else f"admin-{suffix}"
    AuditLog(database).append(
        AuditEntry(
            request_id=request_id[-128:],
            org_id=org_id or "-",
            model=ADMIN_MODEL,
            status=f"admin:{action}"[:32],
            api_key_id=key_id,
            http_status=200,
        )
    )
