"""POST /v1/chat/completions and POST /v1/completions (one handler shape for both): the hot path.

They are plain Starlette routes: FastAPI's per-request machinery (dependency solving, body fields)
costs as much as all the rest of the routing, so these two parse and validate their body with pydantic
themselves. Errors still become OpenAI error JSON through the app's handlers; their OpenAPI entries are
written from the same models by ``gateway/openapi.py``.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from paramstack.attest.wire import attestation_headers
from paramstack.gateway.responses import ResponseShape, complete, stream
from paramstack.gateway.schemas import ChatCompletionRequest, CompletionRequest
from paramstack.gateway.services import Services

SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}
Body = TypeVar("Body", bound=BaseModel)


class ClosingStreamingResponse(StreamingResponse):
    """Closes its body iterator however the response ends.

    Starlette cancels a stream whose client went away but leaves the generator suspended; closing it runs
    the pipeline's ``finally`` at once (the engine row is cancelled, usage settled, the audit row written).
    """

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self.body_iterator.aclose()  # type: ignore[attr-defined]


async def read_body(request: Request, model: type[Body]) -> tuple[Body, Any]:
    """The validated body and the parsed JSON it came from (what the request digest covers)."""
    try:
        parsed = json.loads(await request.body())
    except (ValueError, RecursionError):  # bad JSON, bad UTF-8, absurd nesting
        raise RequestValidationError([{"type": "json_invalid", "loc": ("body",), "msg": "JSON decode error"}]) from None
    try:
        return model.model_validate(parsed), parsed
    except ValidationError as error:
        raise RequestValidationError(error.errors(include_url=False, include_context=False)) from None


async def _serve(request: Request, model: type[ChatCompletionRequest] | type[CompletionRequest],
                 shape: ResponseShape) -> Response:
    body, raw_body = await read_body(request, model)
    svc: Services = request.app.state.services
    pipeline = svc.pipeline
    prepared = await pipeline.prepare(request.headers.get("authorization"), body, raw_body)
    headers = {"x-request-id": prepared.call.request_id, **prepared.rate_limit_headers}
    events = pipeline.execute(prepared)
    if body.stream:
        return ClosingStreamingResponse(stream(events, prepared, shape, body.include_usage),
                                        media_type="text/event-stream", headers={**SSE_HEADERS, **headers})
    result, attestation = await complete(events, prepared, shape)
    if attestation is not None:
        headers.update(attestation_headers(attestation))
    return JSONResponse(result, headers=headers)


async def chat_completions(request: Request) -> Response:
    return await _serve(request, ChatCompletionRequest, ResponseShape("chat"))


async def text_completions(request: Request) -> Response:
    return await _serve(request, CompletionRequest, ResponseShape("text"))


# (path, request model, endpoint, summary): the routes, and what gateway/openapi.py documents for them.
COMPLETION_ENDPOINTS = (
    ("/v1/chat/completions", ChatCompletionRequest, chat_completions, "Create a chat completion"),
    ("/v1/completions", CompletionRequest, text_completions, "Create a text completion"),
)
routes = [Route(path, endpoint, methods=["POST"]) for path, _, endpoint, _ in COMPLETION_ENDPOINTS]
