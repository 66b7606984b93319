"""OpenAPI entries for the routes FastAPI does not document itself (the plain completion, Responses and
Messages routes)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from paramstack.gateway.routes.completions import COMPLETION_ENDPOINTS

_ERROR = {"description": "OpenAI error JSON", "content": {"application/json": {"schema": {"type": "object"}}}}


Endpoint = tuple[str, type[BaseModel], Callable[..., Any], str]  # (path, request model, endpoint, summary)


def document_completion_routes(
    app: FastAPI, endpoints: Sequence[Endpoint] = COMPLETION_ENDPOINTS, tag: str = "completions"
) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()  # FastAPI's, cached on the app: the entries below are added to it once
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for path, model, _, summary in endpoints:
            if path in schema["paths"]:
                continue
            model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(model_schema.pop("$defs", {}))
            components[model.__name__] = model_schema
            schema["paths"][path] = {
                "post": {
                    "tags": [tag],
                    "summary": summary,
                    "operationId": path.strip("/").replace("/", "_"),
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}},
                    },
                    "responses": {
                        "200": {"description": 'The answer (JSON), or server-sent events with "stream": true'},
                        "400": _ERROR,
                        "401": _ERROR,
                        "429": _ERROR,
                        "503": _ERROR,
                    },
                }
            }
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
