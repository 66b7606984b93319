"""Checks every protocol's tools and tool choice share (the pipeline re-checks what the engine needs)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from paramstack.engine.protocol import ToolChoice, ToolSpec
from paramstack.errors import InvalidRequest

MAX_SCHEMA_BYTES = 64_000
EMPTY_OBJECT_SCHEMA: Mapping[str, Any] = {"type": "object", "properties": {}}


def checked_parameters(schema: Mapping[str, Any] | None, param: str) -> Mapping[str, Any]:
    """A tool's (or an output format's) JSON Schema: an object schema of sane size."""
    if schema is None:
        return EMPTY_OBJECT_SCHEMA
    if not isinstance(schema, Mapping) or not isinstance(schema.get("type", "object"), str | list):
        raise InvalidRequest(f"Invalid schema for '{param}': it is not a JSON Schema", param=param,
                             code="invalid_value")
    if len(json.dumps(schema)) > MAX_SCHEMA_BYTES:
        raise InvalidRequest(f"'{param}' is larger than {MAX_SCHEMA_BYTES} bytes", param=param,
                             code="invalid_value")
    return schema


def check_tool_choice(choice: ToolChoice, tools: Sequence[ToolSpec], param: str = "tool_choice") -> None:
    if choice.mode == "required" and not tools:
        raise InvalidRequest(f"'{param}' asks for a tool call but no tools were given", param=param,
                             code="invalid_value")
    if choice.name is not None and choice.name not in {t.name for t in tools}:
        raise InvalidRequest(f"Tool choice '{choice.name}' not found in 'tools' parameter.", param=param,
                             code="invalid_value")
