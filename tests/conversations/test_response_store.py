"""Stored responses on SQLite and PostgreSQL: per tenant, expiring, deletable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from paramstack.conversations.store import ResponseStore
from paramstack.engine.protocol import ChatMessage, ContentPart, ToolCall

CONTEXT = (
    ChatMessage(
        role="user",
        content="look",
        parts=(
            ContentPart("text", text="look"),
            ContentPart("image", source={"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}),
        ),
    ),
    ChatMessage(role="assistant", content="", tool_calls=(ToolCall("call_1", "get_weather", '{"city":"Paris"}'),)),
    ChatMessage(role="tool", content="sunny", tool_call_id="call_1"),
    ChatMessage(role="assistant", content="It is sunny."),
)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_a_response_round_trips_with_its_conversation(database):
    store = ResponseStore(database)
    items = [{"id": "msg_1", "type": "message", "role": "user", "content": [{"type": "input_text", "text": "x"}]}]
    store.save("org_a", "resp-1", {"id": "resp-1", "output": []}, CONTEXT, items)
    stored = store.get("org_a", "resp-1")
    assert stored is not None and stored.response == {"id": "resp-1", "output": []}
    assert stored.context == CONTEXT and stored.input_items == items


def test_another_tenant_sees_nothing_and_cannot_delete(database):
    store = ResponseStore(database)
    store.save("org_a", "resp-2", {"id": "resp-2"}, CONTEXT)
    assert store.get("org_b", "resp-2") is None
    assert store.delete("org_b", "resp-2") is False
    assert store.delete("org_a", "resp-2") is True
    assert store.get("org_a", "resp-2") is None and store.delete("org_a", "resp-2") is False


def test_retention_ends_a_response_and_purge_removes_it(database):
    clock = Clock()
    store = ResponseStore(database, retention_days=1, clock=clock)
    store.save("org_a", "resp-3", {"id": "resp-3"}, CONTEXT)
    clock.now += timedelta(hours=23)
    assert store.get("org_a", "resp-3") is not None
    clock.now += timedelta(hours=2)
    assert store.get("org_a", "resp-3") is None
    assert store.delete("org_a", "resp-3") is False
    assert store.purge_expired() == 1


def test_without_retention_a_response_stays_until_deleted(database):
    clock = Clock()
    store = ResponseStore(database, retention_days=None, clock=clock)
    store.save("org_a", "resp-4", {"id": "resp-4"}, CONTEXT)
    clock.now += timedelta(days=3650)
    assert store.get("org_a", "resp-4") is not None and store.purge_expired() == 0
