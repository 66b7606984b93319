"""POST /v1/chat/completions and POST /v1/completions (one handler shape for both): the hot path.

They are plain Starlette routes: FastAPI's per-request machinery (dependency solving, body fields)
costs as much as all the rest of the routing, so these two parse and validate their body with pydantic
themselves. Errors still become OpenAI error JSON through the app's handlers; their OpenAPI entries are
written from the same models by ``gateway/openapi.py``.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any, TypeVar

import orjson
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from paramstack.attest.wire import attestation_headers
from paramstack.errors import InvalidRequest, ParamstackError
from paramstack.gateway.call_request import CallRequest
from paramstack.gateway.overhead import finished_call, measured_stream, overhead_header
from paramstack.gateway.pipeline import Pipeline
from paramstack.gateway.protocols.openai_chat import chat_call, text_call
from paramstack.gateway.responses import ResponseShape, complete, stream
from paramstack.gateway.schemas import ChatCompletionRequest, CompletionRequest
from paramstack.gateway.services import Services
from paramstack.observability.tracing import ended_on_error
from paramstack.tenancy.models import Caller

SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}
Body = TypeVar("Body", bound=BaseModel)
Translated = TypeVar("Translated")  # what a front-end makes of its body: usually the CallRequest


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
    raw = await request.body()
    try:
        parsed = orjson.loads(raw)  # orjson.JSONDecodeError is a ValueError
    except (ValueError, RecursionError):  # bad JSON, bad UTF-8, absurd nesting
        raise RequestValidationError([{"type": "json_invalid", "loc": ("body",), "msg": "JSON decode error"}]) from None
    try:
        return model.model_validate(parsed), parsed
    except ValidationError as error:
        raise RequestValidationError(error.errors(include_url=False, include_context=False)) from None


async def read_call(
    request: Request, caller: Caller, model: type[Body], translate: Callable[[Body, Any], Translated]
) -> tuple[Translated, Any]:
    """The body as the one internal call. A body that does not validate is refused with a 400 and, the caller
    being known, recorded in the audit log (its digest, never its content)."""
    pipeline: Pipeline = request.app.state.services.pipeline
    parsed: Any = None
    try:
        body, parsed = await read_body(request, model)
        return translate(body, parsed), parsed
    except (RequestValidationError, ParamstackError) as refusal:
        if parsed is None:
            parsed = {"invalid_body_sha256": hashlib.sha256(await request.body()).hexdigest()}
        requested = parsed.get("model") if isinstance(parsed, dict) else None
        await pipeline.refuse(
            caller,
            None,
            requested if isinstance(requested, str) else "-",
            parsed,
            refusal
            if isinstance(refusal, ParamstackError)
            else InvalidRequest("the request body does not validate", code="invalid_value"),
        )
        raise


async def _serve(
    request: Request,
    model: type[ChatCompletionRequest] | type[CompletionRequest],
    translate: Callable[[Any, Any], CallRequest],
    shape: ResponseShape,
) -> Response:
    received = time.perf_counter()
    svc: Services = request.app.state.services
    pipeline = svc.pipeline
    trace = pipeline.tracing.begin(shape.kind, request.headers)
    with ended_on_error(trace):
        with trace.step("authentication"):
            caller = await pipeline.authenticate(request.headers.get("authorization"))
        call_request, raw_body = await read_call(request, caller, model, translate)
        prepared = await pipeline.prepare(caller, call_request, raw_body, trace)
    prepared.received = received
    headers = {"x-request-id": prepared.call.request_id, **prepared.rate_limit_headers}
    events = pipeline.execute(prepared)
    if call_request.stream:
        include_usage = bool(
            isinstance(raw_body.get("stream_options"), dict) and raw_body["stream_options"].get("include_usage")
        )
        # A stream's header can only say the time until the response starts; the histogram gets the whole.
        headers.update(overhead_header(prepared.overhead_seconds()))
        return ClosingStreamingResponse(
            measured_stream(stream(events, prepared, shape, include_usage), pipeline.metrics, prepared),
            media_type="text/event-stream",
            headers={**SSE_HEADERS, **headers},
        )
    result, attestation = await complete(events, prepared, shape)
    if attestation is not None:
        headers.update(attestation_headers(attestation))
    body = orjson.dumps(result)  # compact UTF-8 like Starlette's JSONResponse, several times faster
    headers.update(finished_call(pipeline.metrics, prepared))
    return Response(body, headers=headers, media_type="application/json")


async def chat_completions(request: Request) -> Response:
    return await _serve(request, ChatCompletionRequest, chat_call, ResponseShape("chat"))


async def text_completions(request: Request) -> Response:
    return await _serve(request, CompletionRequest, text_call, ResponseShape("text"))


# (path, request model, endpoint, summary): the routes, and what gateway/openapi.py documents for them.
COMPLETION_ENDPOINTS = (
    ("/v1/chat/completions", ChatCompletionRequest, chat_completions, "Create a chat completion"),
    ("/v1/completions", CompletionRequest, text_completions, "Create a text completion"),
)
routes = [Route(path, endpoint, methods=["POST"]) for path, _, endpoint, _ in COMPLETION_ENDPOINTS]
