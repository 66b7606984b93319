"""``ResponseStore``: a tenant's stored responses, on SQLite or PostgreSQL (blocking: call it from a thread).

Every read and delete is scoped by ``org_id``: another tenant's id looks exactly like one that never
existed. Expiry is checked on read, so a response is gone the moment its retention ends, whether or not
``purge_expired`` has removed its row yet.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from paramstack.conversations.tables import stored_responses
from paramstack.conversations.turns import turns_from_json, turns_to_json
from paramstack.engine.protocol import ChatMessage

Clock = Callable[[], datetime]
PURGE_EVERY = 500  # saves between two removals of expired rows (the table does not grow without end)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class StoredResponse:
    id: str
    org_id: str
    response: Mapping[str, Any]  # the Responses-API object as returned
    context: tuple[ChatMessage, ...]  # the conversation it ends: input turns and its own output
    input_items: list[dict[str, Any]]  # its own request's input, in the protocol's item shape
    created_at: datetime
    expires_at: datetime | None


class ResponseStore:
    def __init__(self, database: Engine, *, retention_days: float | None = 30.0, clock: Clock = utc_now) -> None:
        self._db = database
        self._retention = timedelta(days=retention_days) if retention_days else None
        self._clock = clock
        self._saves = 0

    def save(
        self,
        org_id: str,
        response_id: str,
        response: Mapping[str, Any],
        context: Sequence[ChatMessage],
        input_items: Sequence[Mapping[str, Any]] = (),
    ) -> StoredResponse:
        now = self._clock()
        expires = now + self._retention if self._retention else None
        with self._db.begin() as connection:
            connection.execute(
                stored_responses.insert().values(
                    id=response_id,
                    org_id=org_id,
                    response=dict(response),
                    context=turns_to_json(context),
                    input_items=[dict(i) for i in input_items],
                    created_at=now,
                    expires_at=expires,
                )
            )
        self._saves += 1
        if self._retention is not None and self._saves % PURGE_EVERY == 0:
            self.purge_expired()
        return StoredResponse(
            response_id, org_id, response, tuple(context), [dict(i) for i in input_items], now, expires
        )

    def get(self, org_id: str, response_id: str) -> StoredResponse | None:
        """The tenant's live response, or None (unknown, another tenant's, expired or deleted)."""
        with self._db.connect() as connection:
            row = connection.execute(
                sa.select(stored_responses).where(
                    (stored_responses.c.id == response_id) & (stored_responses.c.org_id == org_id)
                )
            ).first()
        if row is None or (row.expires_at is not None and row.expires_at <= self._clock()):
            return None
        return StoredResponse(
            row.id,
            row.org_id,
            row.response,
            turns_from_json(row.context),
            row.input_items,
            row.created_at,
            row.expires_at,
        )

    def delete(self, org_id: str, response_id: str) -> bool:
        """True when a live response of this tenant was deleted."""
        with self._db.begin() as connection:
            deleted = connection.execute(
                stored_responses.delete().where(
                    (stored_responses.c.id == response_id)
                    & (stored_responses.c.org_id == org_id)
                    & ((stored_responses.c.expires_at.is_(None)) | (stored_responses.c.expires_at > self._clock()))
                )
            )
        return deleted.rowcount > 0

    def purge_expired(self) -> int:
        """Remove the rows whose retention has ended; returns how many."""
        with self._db.begin() as connection:
            purged = connection.execute(
                stored_responses.delete().where(
                    stored_responses.c.expires_at.is_not(None) & (stored_responses.c.expires_at <= self._clock())
                )
            )
        return purged.rowcount
