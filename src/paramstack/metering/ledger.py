"""Writing the usage ledger: every call's row is committed before its response's last bytes are sent.

The rows go through the request path's group commit (``storage/writer.py``): settles that arrive together
share one transaction, with the audit entries of the same calls, and each waits for *its* commit. Rows are
inserted with ON CONFLICT (request_id) DO NOTHING, so a write retried after an unclear failure (a lost
commit acknowledgement) never counts a call twice. A write that keeps failing raises ``ServiceUnavailable``:
the call fails rather than succeed uncounted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from paramstack.errors import ServiceUnavailable
from paramstack.metering.tables import usage_ledger
from paramstack.storage.writer import DatabaseWriter


@dataclass(frozen=True)
class UsageRecord:
    request_id: str
    org_id: str
    key_id: str
    model: str
    adapter: str | None
    usage_day: date
    admitted_at: datetime
    settled_at: datetime
    prompt_tokens: int
    completion_tokens: int
    cost_micros: int
    currency: str
    input_per_1k_micros: int
    output_per_1k_micros: int
    delivered: bool


class UsageLedger:
    def __init__(self, database: Engine, *, writer: DatabaseWriter | None = None) -> None:
        self._database = database
        self._writer = writer or DatabaseWriter(database, name="usage-ledger")
        self._insert = _insert_ignoring_duplicates(database)

    async def record(self, record: UsageRecord) -> None:
        """Return once ``record`` is committed (or was already); raise ServiceUnavailable if it cannot be."""
        try:
            await self._writer.write(self, record)
        except sa.exc.SQLAlchemyError:
            raise ServiceUnavailable(
                "The usage ledger could not be written, so this response was not delivered; please retry.",
                code="usage_ledger_unavailable",
            ) from None

    def write(self, records: list[UsageRecord]) -> None:
        """Insert ``records`` in a transaction of their own (blocking): imports, tests, tools."""
        with self._database.begin() as connection:
            self.write_batch(connection, records)

    def write_batch(self, connection: Connection, records: list[UsageRecord]) -> None:
        rows = [dict(vars(r)) for r in records]  # not asdict(): its deep copies cost more than the insert
        connection.execute(self._insert, rows)

    def landed(self, connection: Connection, written: None) -> None:
        """Whether a write whose COMMIT went unanswered landed does not matter: a row written twice is one row."""
        return None


def _insert_ignoring_duplicates(database: Engine) -> sa.Insert:
    dialect = database.dialect.name
    if dialect == "postgresql":
        return postgresql.insert(usage_ledger).on_conflict_do_nothing(index_elements=["request_id"])
    if dialect == "sqlite":
        return sqlite.insert(usage_ledger).on_conflict_do_nothing(index_elements=["request_id"])
    raise ValueError(f"usage ledger: unsupported database {dialect!r}")
