"""Which JSON Schemas the constrained decoder can enforce, checked before any grammar is built.

xgrammar 0.2.9 enforces most of JSON Schema (types, properties, required, additionalProperties, enum,
const, anyOf/oneOf, $ref/$defs, string patterns and formats, numeric bounds, array and object sizes,
if/then/else, dependentSchemas, propertyNames), but it silently IGNORES a few keywords (measured on
2026-12-04: ``not``, ``uniqueItems``, ``dependentRequired``, ``allOf``). Output under such a schema could
fail validation while we claim it matches, so those are refused up front with a 400 that names them.
Pure Python, no xgrammar: this runs on the event loop while the gateway admits the request.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from paramstack.errors import InvalidRequest

UNENFORCED_KEYWORDS = frozenset({"not", "uniqueItems", "dependentRequired", "allOf"})
MAX_SCHEMA_BYTES = 32_768  # a grammar's size follows the schema's; beyond this compiling gets slow
MAX_SCHEMA_DEPTH = 24

_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_VALUES = (
    "items",
    "additionalProperties",
    "contains",
    "if",
    "then",
    "else",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
    "additionalItems",
)
_SCHEMA_LISTS = ("anyOf", "oneOf", "prefixItems")


def check_schema(schema: Any, *, param: str, where: str) -> None:
    """Raise ``InvalidRequest(param=param)`` unless ``schema`` is a JSON Schema the decoder enforces.

    ``where`` names the schema in the message (e.g. "tools[0].function.parameters").
    """
    if isinstance(schema, bool):
        return
    size = check_json(schema, param=param, where=where)
    if size > MAX_SCHEMA_BYTES:
        raise InvalidRequest(
            f"{where} is {size} bytes of JSON; the limit for constrained decoding is {MAX_SCHEMA_BYTES}", param=param
        )
    _check_meta(schema, param=param, where=where)
    for path, node in _subschemas(schema, where, 0, param):
        if not isinstance(node, Mapping):
            continue
        unenforced = sorted(UNENFORCED_KEYWORDS & node.keys())
        if unenforced:
            raise InvalidRequest(
                f"{path} uses {', '.join(repr(k) for k in unenforced)}, which the local model's constrained "
                "decoder cannot enforce; rewrite the schema without it",
                param=param,
            )


def check_json(schema: Any, *, param: str, where: str) -> int:
    """Raise unless ``schema`` is a JSON object (it is rendered into the prompt); returns its JSON size."""
    if not isinstance(schema, Mapping):
        raise InvalidRequest(f"{where} must be a JSON Schema object", param=param)
    try:
        return len(json.dumps(schema))
    except (TypeError, ValueError) as error:
        raise InvalidRequest(f"{where} is not JSON: {error}", param=param) from None


def _check_meta(schema: Mapping[str, Any], *, param: str, where: str) -> None:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        location = "".join(f"[{p!r}]" for p in error.absolute_path)
        raise InvalidRequest(f"{where}{location} is not a valid JSON Schema: {error.message}", param=param) from None


def _subschemas(node: Any, path: str, depth: int, param: str) -> Iterator[tuple[str, Any]]:
    """Every schema inside ``node`` (itself first), with its path; data (enum, const, default) skipped."""
    if depth > MAX_SCHEMA_DEPTH:
        raise InvalidRequest(f"{path} nests schemas deeper than {MAX_SCHEMA_DEPTH} levels", param=param)
    yield path, node
    if not isinstance(node, Mapping):
        return
    for key in _SCHEMA_MAPS:
        children = node.get(key)
        if isinstance(children, Mapping):
            for name, child in children.items():
                yield from _subschemas(child, f"{path}.{key}.{name}", depth + 1, param)
    for key in _SCHEMA_VALUES:
        if key in node:
            yield from _subschemas(node[key], f"{path}.{key}", depth + 1, param)
    for key in _SCHEMA_LISTS:
        children = node.get(key)
        if isinstance(children, list):
            for i, child in enumerate(children):
                yield from _subschemas(child, f"{path}.{key}[{i}]", depth + 1, param)
