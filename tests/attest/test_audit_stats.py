"""What the console reads from the audit chain, on SQLite and PostgreSQL: calls per tenant with exact
percentiles, guard findings by day and kind, blocked calls as ids and codes, and admin changes kept apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from paramstack.attest.admin_audit import record_admin_action
from paramstack.attest.audit import AuditEntry, AuditLog
from paramstack.attest.audit_stats import admin_actions, calls_by_tenant, guard_findings


def test_calls_findings_and_changes(database):
    log = AuditLog(database)
    for i, latency in enumerate([10, 20, 30, 40, 1000]):
        log.append(
            AuditEntry(
                request_id=f"a{i}",
                org_id="org_a",
                model="m",
                status="ok",
                latency_ms=latency,
                prompt_tokens=3,
                completion_tokens=2,
            )
        )
    log.append(
        AuditEntry(
            request_id="b1",
            org_id="org_b",
            model="m",
            status="error",
            http_status=400,
            latency_ms=5,
            guard={"jailbreak.prompt_leak": 1, "pii.EMAIL": 2},
        )
    )
    log.append(
        AuditEntry(request_id="b2", org_id="org_b", model="m", status="ok", latency_ms=7, guard={"pii.EMAIL": 1})
    )
    log.append(
        AuditEntry(
            request_id="b3",
            org_id="org_b",
            model="m",
            status="ok",
            latency_ms=9,
            code="content_filter",
            guard={"toxicity.insult": 1},
        )
    )  # answered, the output withheld
    log.append(
        AuditEntry(
            request_id="old",
            org_id="org_a",
            model="m",
            status="ok",
            latency_ms=99_999,
            timestamp=datetime.now(UTC) - timedelta(days=3),
        )
    )
    record_admin_action(database, key_id="key_admin", action="tenant.update", org_id="org_a")
    log.append(AuditEntry(request_id="canary-1-x", org_id="org_a", model="canary-controller", status="canary:step:50"))

    since = datetime.now(UTC) - timedelta(hours=1)
    rows = {r["org_id"]: r for r in calls_by_tenant(database, since)}
    assert rows["org_a"] == {
        "org_id": "org_a",
        "calls": 5,
        "prompt_tokens": 15,
        "completion_tokens": 10,
        "total_tokens": 25,
        "errors": 0,
        "p50_ms": 30,
        "p99_ms": 1000,
    }
    assert rows["org_b"]["calls"] == 3 and rows["org_b"]["errors"] == 1 and rows["org_b"]["p50_ms"] == 7
    assert [r["org_id"] for r in calls_by_tenant(database, since, "org_b")] == ["org_b"]

    found = guard_findings(database, since)
    today = datetime.now(UTC).date().isoformat()
    assert found["by_day"] == [
        {"day": today, "org_id": "org_b", "kind": "jailbreak.prompt_leak", "count": 1},
        {"day": today, "org_id": "org_b", "kind": "pii.EMAIL", "count": 3},
        {"day": today, "org_id": "org_b", "kind": "toxicity.insult", "count": 1},
    ]
    assert [(b["request_id"], b["codes"], b["outcome_code"]) for b in found["blocked"]] == [
        ("b3", ["toxicity.insult"], "content_filter"),
        ("b1", ["jailbreak.prompt_leak", "pii.EMAIL"], None),
    ]
    assert guard_findings(database, since, "org_a")["by_day"] == []

    changes = admin_actions(database)
    assert [(c["action"], c["api_key_id"]) for c in changes] == [
        ("canary:step:50", None),
        ("admin:tenant.update", "key_admin"),
    ]
