"""Fields that take a string or a list of content parts (both protocols have them).

A string is read as one text part before validation: one shape to validate, and an error points into the
parts (``messages.0.content.1``) instead of at pydantic's union branches (``content.str``).
"""

from __future__ import annotations

from typing import Any

from pydantic import WithJsonSchema

# What the OpenAPI schema says such a field takes (the validated type is only the list).
TEXT_OR_PARTS = WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "object"}}]})


def parts_of_string(data: Any, field: str, text_type: str) -> Any:
    if isinstance(data, dict) and isinstance(data.get(field), str):
        return {**data, field: [{"type": text_type, "text": data[field]}]}
    return data
