"""Checks every protocol applies to tools, tool choices, tool turns and output schemas (shared by all front-ends).

The errors name the offending field in the caller's own terms (``param``), so a client sees which tool or
which message is wrong.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import jsonschema_rs

from paramstack.engine.protocol import ChatMessage, ToolChoice, ToolSpec
from paramstack.errors import InvalidRequest

MAX_SCHEMA_BYTES = 64 * 1024  # one tool's parameters or one response schema, serialised
MAX_SCHEMA_DEPTH = 32


def checked_schema(schema: Any, param: str) -> dict[str, Any]:
    """``schema`` if it is a JSON Schema of a reasonable size; else a 400 naming ``param``."""
    if not isinstance(schema, Mapping):
        raise InvalidRequest(f"'{param}' must be a JSON Schema object", param=param, code="invalid_schema")
    try:
        size = len(json.dumps(schema, ensure_ascii=False))
    except (TypeError, ValueError, RecursionError):
        raise InvalidRequest(f"'{param}' is not a JSON Schema", param=param, code="invalid_schema") from None
    if size > MAX_SCHEMA_BYTES:
        raise InvalidRequest(
            f"'{param}' is {size} bytes; at most {MAX_SCHEMA_BYTES} are allowed", param=param, code="schema_too_large"
        )
    if _depth(schema) > MAX_SCHEMA_DEPTH:
        raise InvalidRequest(
            f"'{param}' nests deeper than {MAX_SCHEMA_DEPTH} levels", param=param, code="schema_too_large"
        )
    try:
        # The Rust validator checks a schema against its meta-schema in microseconds (the Python one took
        # ~3 ms per tool, on every request of an agent loop that resends its tools each turn).
        jsonschema_rs.meta.validate(dict(schema))
    except jsonschema_rs.ValidationError as error:
        where = "/".join(str(p) for p in error.instance_path)
        message = str(error).splitlines()[0]
        raise InvalidRequest(
            f"'{param}' is not a valid JSON Schema: {message}" + (f" (at {where})" if where else ""),
            param=param,
            code="invalid_schema",
        ) from None
    except jsonschema_rs.ReferencingError as error:
        raise InvalidRequest(
            f"'{param}' is not a valid JSON Schema: {str(error).splitlines()[0]}", param=param, code="invalid_schema"
        ) from None
    return dict(schema)


def checked_tool_choice(choice: ToolChoice, tools: Sequence[ToolSpec], param: str = "tool_choice") -> ToolChoice:
    if choice.mode == "required" and not tools:
        raise InvalidRequest(
            f"'{param}' asks for a tool call, but no tools were given", param=param, code="invalid_value"
        )
    if choice.name is not None and choice.name not in {t.name for t in tools}:
        offered = ", ".join(t.name for t in tools) or "none"
        raise InvalidRequest(
            f"'{param}' names the function {choice.name!r}, which is not among the tools offered ({offered})",
            param=param,
            code="invalid_value",
        )
    return choice


def checked_tool_names(tools: Sequence[ToolSpec], param: str = "tools") -> None:
    seen: set[str] = set()
    for index, tool in enumerate(tools):
        if tool.name in seen:
            raise InvalidRequest(
                f"'{param}[{index}]': the function name {tool.name!r} is given twice",
                param=f"{param}[{index}]",
                code="invalid_value",
            )
        seen.add(tool.name)


def check_tool_turns(messages: Sequence[ChatMessage], param: str = "messages") -> None:
    """Every tool result answers a call an earlier assistant turn made."""
    calls: set[str] = set()
    for index, message in enumerate(messages):
        calls.update(call.id for call in message.tool_calls)
        if message.role == "tool" and message.tool_call_id not in calls:
            raise InvalidRequest(
                f"'{param}[{index}]' answers tool call {message.tool_call_id!r}, which no earlier "
                "assistant message made",
                param=f"{param}[{index}].tool_call_id",
                code="invalid_value",
            )


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_SCHEMA_DEPTH:
        return level
    if isinstance(value, Mapping):
        return max((_depth(v, level + 1) for v in value.values()), default=level)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level)
    return level
