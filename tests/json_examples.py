"""A value that validates against a JSON Schema, for stand-in servers that must answer like a constrained model.

Covers what clients send: pydantic's schemas (``$defs``/``$ref``, ``anyOf`` for optionals, enums, ``const``),
OpenAI strict schemas (every property required, ``additionalProperties: false``) and tool parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PLACEHOLDER = "Paris"


def example(schema: Mapping[str, Any], root: Mapping[str, Any] | None = None) -> Any:
    root = schema if root is None else root
    if "$ref" in schema:
        return example(_resolve(schema["$ref"], root), root)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return example(options[0], root)
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        properties = schema.get("properties") or {}
        return {name: example(sub, root) for name, sub in properties.items()}
    if kind == "array":
        return [example(schema.get("items") or {}, root)] * max(1, int(schema.get("minItems", 1)))
    return {"string": PLACEHOLDER, "integer": 1, "number": 1.5, "boolean": True, "null": None}.get(kind, PLACEHOLDER)


def _resolve(ref: str, root: Mapping[str, Any]) -> Mapping[str, Any]:
    node: Any = root
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node
