"""Conversation turns (``engine.protocol.ChatMessage``) to and from plain JSON, for the stored context."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from paramstack.engine.protocol import ChatMessage, ContentPart, ToolCall


def turns_to_json(turns: Iterable[ChatMessage]) -> list[dict[str, Any]]:
    return [_turn(turn) for turn in turns]


def turns_from_json(rows: Iterable[Mapping[str, Any]]) -> tuple[ChatMessage, ...]:
    return tuple(
        ChatMessage(
            role=row["role"],
            content=row.get("content", ""),
            parts=tuple(
                ContentPart(kind=p["kind"], text=p.get("text", ""), source=p.get("source"))
                for p in row.get("parts", ())
            ),
            tool_calls=tuple(ToolCall(c["id"], c["name"], c["arguments"]) for c in row.get("tool_calls", ())),
            tool_call_id=row.get("tool_call_id"),
            name=row.get("name"),
        )
        for row in rows
    )


def _turn(turn: ChatMessage) -> dict[str, Any]:
    row: dict[str, Any] = {"role": turn.role, "content": turn.content}
    if turn.parts:
        row["parts"] = [
            {"kind": p.kind, "text": p.text, **({"source": dict(p.source)} if p.source else {})} for p in turn.parts
        ]
    if turn.tool_calls:
        row["tool_calls"] = [{"id": c.id, "name": c.name, "arguments": c.arguments} for c in turn.tool_calls]
    if turn.tool_call_id is not None:
        row["tool_call_id"] = turn.tool_call_id
    if turn.name is not None:
        row["name"] = turn.name
    return row
