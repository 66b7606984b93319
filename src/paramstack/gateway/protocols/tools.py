"""Checks every protocol applies to tools, tool choices, tool turns and output schemas (shared by all front-ends).

The errors name the offending field in the caller's own terms (``param``), so a client sees which tool or
which message is wrong.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import jsonschema_rs
import orjson

from paramstack.engine.protocol import ChatMessage, ToolChoice, ToolSpec
from paramstack.errors import InvalidRequest

MAX_SCHEMA_BYTES = 64 * 1024  # one tool's parameters or one response schema, serialised
MAX_SCHEMA_DEPTH = 32


def checked_schema(schema: Any, param: str) -> dict[str, Any]:
    """``schema`` if it is a JSON Schema of a reasonable size; else a 400 naming ``param``."""
    if not isinstance(schema, Mapping):
        raise InvalidRequest(f"'{param}' must be a JSON Schema object", param=param, code="invalid_schema")
    try:
        size = _oversize(schema)
    except (TypeError, ValueError, RecursionError):
        raise InvalidRequest(f"'{param}' is not a JSON Schema", param=param, code="invalid_schema") from None
    if size is not None:
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


def _oversize(schema: Mapping[str, Any]) -> int | None:
    """The schema's serialised size (``json.dumps``, ``ensure_ascii=False``) when it is over the limit, else None.

    Every request of an agent loop resends its tools, so the common case is decided by orjson's compact dump,
    many times faster: the standard dump adds one space per separator and may spell a number a character or two
    longer, so it is less than three times the compact size, and a compact dump of a quarter of the limit is
    under it. Anything larger (or that orjson refuses) is measured exactly as before."""
    try:
        if len(orjson.dumps(schema)) <= MAX_SCHEMA_BYTES // 4:
            return None
    except orjson.JSONEncodeError:
        pass  # nesting beyond orjson's limit, an integer beyond 64 bits: the standard dump decides
    size = len(json.dumps(schema, ensure_ascii=False))
    return size if size > MAX_SCHEMA_BYTES else None


def _depth(value: Any) -> int:
    """How deep containers nest in ``value`` (a leaf in an object at the top is at depth 1); it stops counting
    once past MAX_SCHEMA_DEPTH. A loop over a stack of containers: the recursive generator it replaces cost more
    than the meta-schema check."""
    deepest = 0
    pending = [(value, 0)] if _is_container(value) else []
    while pending:
        node, level = pending.pop()
        children = node.values() if isinstance(node, dict | Mapping) else node
        if not children:
            continue
        if level >= deepest:
            deepest = level + 1
            if deepest > MAX_SCHEMA_DEPTH:
                return deepest
        pending.extend((child, level + 1) for child in children if _is_container(child))
    return deepest


def _is_container(value: Any) -> bool:
    kind = type(value)
    return kind is dict or kind is list or (kind is not str and isinstance(value, Mapping | list))
