"""Group commit of the request path's writes: a call's ledger row and audit entry in one transaction, a failure
rolls back everything it touched, transient failures are retried, and a COMMIT whose answer is lost is neither
written twice nor reported failed.
Real ledger, real audit chain, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from paramstack.attest.audit import AuditLog
from paramstack.attest.audit_verify import verify_audit_chain
from paramstack.attest.gateway_steps import AuditRecorder
from paramstack.attest.keys import KeyRing, SigningKey
from paramstack.attest.tables import audit_entries
from paramstack.calls import AuditRecord, CallInfo, Outcome, UsageCounts
from paramstack.engine.protocol import SamplingParams
from paramstack.errors import ServiceUnavailable
from paramstack.metering.ledger import UsageLedger, UsageRecord
from paramstack.metering.tables import usage_ledger
from paramstack.storage.writer import DatabaseWriter
from paramstack.tenancy.models import ApiKey, Caller

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.fixture
def parts(database):
    writer = DatabaseWriter(database)
    keyring = KeyRing(signing_key=SigningKey.generate())
    yield writer, UsageLedger(database, writer=writer), AuditRecorder(AuditLog(database, keyring), writer=writer)
    writer.close()


def usage_row(request_id: str) -> UsageRecord:
    return UsageRecord(
        request_id, "org_a", "key_1", "m", None, date(2026, 3, 1), NOW, NOW, 10, 5, 13, "USD", 500, 1500, True
    )


def audit_record(request_id: str) -> AuditRecord:
    caller = Caller(ApiKey(key_id="key_1", org_id="org_a", scope="tenant", prefix="psk-", created_at=NOW), None)
    call = CallInfo(request_id, caller, "m", "m", None, SamplingParams(), 0, "0" * 64)
    return AuditRecord(call, Outcome.ok(), UsageCounts(10, 5), 13, 4.0, [], None)


def rows(database, table) -> int:
    with database.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def commits_of(database) -> list[object]:
    commits: list[object] = []
    sa.event.listen(database, "commit", commits.append)
    return commits


def test_a_calls_ledger_row_and_audit_entry_commit_in_one_transaction(database, parts):
    _, ledger, audit = parts
    commits = commits_of(database)

    async def calls(prefix: str, n: int) -> None:
        await asyncio.gather(
            *(
                work
                for i in range(n)
                for work in (ledger.record(usage_row(f"{prefix}{i}")), audit.record(audit_record(f"{prefix}{i}")))
            )
        )

    asyncio.run(calls("one-", 1))
    assert len(commits) == 1 and rows(database, usage_ledger) == 1 and rows(database, audit_entries) == 1
    asyncio.run(calls("many-", 40))  # 40 concurrent calls: 80 rows in a handful of transactions
    assert len(commits) <= 4 and rows(database, usage_ledger) == 41 and rows(database, audit_entries) == 41
    assert verify_audit_chain(database).ok


def test_a_failing_part_rolls_back_the_whole_transaction_and_every_waiter_hears(database, parts):
    _, ledger, audit = parts
    with database.begin() as connection:
        connection.execute(sa.text("DROP TABLE usage_ledger"))

    async def call() -> list[object]:
        return await asyncio.gather(
            ledger.record(usage_row("r1")), audit.record(audit_record("r1")), return_exceptions=True
        )

    settled, audited = asyncio.run(call())
    assert isinstance(settled, ServiceUnavailable) and settled.code == "usage_ledger_unavailable"
    assert isinstance(audited, ServiceUnavailable) and audited.code == "audit_log_unavailable"
    assert rows(database, audit_entries) == 0  # the audit entry went down with the ledger row


class LostAcknowledgement:
    """The first COMMIT's answer is lost with its connection. ``landed``: the server had committed it (the answer
    was lost on the way back) or not (the COMMIT never arrived). The writer cannot tell the two apart."""

    def __init__(self, database, *, landed: bool) -> None:
        self.landed = landed
        self.failures = 0
        sa.event.listen(database, "commit", self)

    def __call__(self, connection) -> None:
        if self.failures == 0:
            self.failures += 1
            if self.landed:
                connection.connection.dbapi_connection.commit()
            connection.invalidate()  # as a dropped connection is: never handed out again
            raise sa.exc.OperationalError("COMMIT", {}, ConnectionError("server closed the connection"))


@pytest.mark.parametrize("landed", [False, True], ids=["commit-never-arrived", "answer-lost"])
def test_a_commit_whose_answer_is_lost_neither_doubles_a_row_nor_fails_the_call(database, parts, landed):
    _, ledger, audit = parts
    alone = LostAcknowledgement(database, landed=landed)
    asyncio.run(ledger.record(usage_row("r1")))  # the ledger alone
    together = LostAcknowledgement(database, landed=landed)

    async def call() -> None:
        await asyncio.gather(ledger.record(usage_row("r2")), audit.record(audit_record("r2")))

    asyncio.run(call())  # a ledger row with an audit entry: no exception, so both are stored
    assert alone.failures == together.failures == 1
    assert rows(database, usage_ledger) == 2
    assert rows(database, audit_entries) == 1  # appended once: not lost, not twice
    assert verify_audit_chain(database).ok
