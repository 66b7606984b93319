"""POST /v1/messages and POST /v1/messages/count_tokens: Anthropic's Messages API on the one pipeline.

The key comes as ``x-api-key`` (Anthropic's clients) or ``Authorization: Bearer``; ``anthropic-version`` and
``anthropic-beta`` are accepted. Errors on these paths take Anthropic's shape (gateway/error_handlers.py).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from paramstack.attest.wire import attestation_headers
from paramstack.engine.protocol import GenerationRequest, SamplingParams
from paramstack.engine.sticky import sticky_key
from paramstack.gateway.protocols.messages_output import MessageShell, complete, stream
from paramstack.gateway.protocols.messages_request import MessageCreate, Prompt
from paramstack.gateway.protocols.messages_translate import prompt_parts, to_call_request
from paramstack.gateway.responses import sources_body
from paramstack.gateway.routes.completions import SSE_HEADERS, ClosingStreamingResponse, read_body, read_call
from paramstack.gateway.services import Services
from paramstack.observability.tracing import ended_on_error


def authorization_of(request: Request) -> str | None:
    """The caller's key as the pipeline takes it: ``x-api-key`` wins, as in Anthropic's API."""
    api_key = request.headers.get("x-api-key")
    if api_key:
        return f"Bearer {api_key}"
    return request.headers.get("authorization")


async def create_message(request: Request) -> Response:
    svc: Services = request.app.state.services
    trace = svc.pipeline.tracing.begin("messages", request.headers)
    with ended_on_error(trace):
        with trace.step("authentication"):
            caller = await svc.pipeline.authenticate(authorization_of(request))
        call_request, raw_body = await read_call(
            request, caller, MessageCreate, lambda body, _raw: to_call_request(body)
        )
        prepared = await svc.pipeline.prepare(caller, call_request, raw_body, trace)
    shell = MessageShell(prepared.call.request_id, prepared.call.public_model, tuple(sources_body(prepared.sources)))
    headers = {
        "x-request-id": prepared.call.request_id,
        "request-id": prepared.call.request_id,
        **prepared.rate_limit_headers,
    }
    events = svc.pipeline.execute(prepared)
    if call_request.stream:
        return ClosingStreamingResponse(
            stream(events, shell), media_type="text/event-stream", headers={**SSE_HEADERS, **headers}
        )
    result, finished = await complete(events, shell)
    if finished.attestation is not None:
        headers.update(attestation_headers(finished.attestation))
    return JSONResponse(result, headers=headers)


async def count_tokens(request: Request) -> Response:
    """Tokens the prompt would cost on the model the tenant is routed to (nothing is generated or charged)."""
    body, _ = await read_body(request, Prompt)
    svc: Services = request.app.state.services
    caller = await svc.pipeline.authenticate(authorization_of(request))
    assert caller.tenant is not None
    target = svc.router.resolve(caller.tenant, body.model, sticky_key=sticky_key(None, caller.key.key_id))
    prompt = prompt_parts(body)
    generation = GenerationRequest(
        request_id="count_tokens",
        model=target.model,
        adapter=target.adapter,
        sampling=SamplingParams(max_tokens=1),
        messages=prompt.messages,
        tools=prompt.tools,
        tool_choice=prompt.tool_choice,
    )
    return JSONResponse({"input_tokens": await target.engine.count_prompt_tokens(generation)})


# (path, request model, endpoint, summary): documented by gateway/openapi.py like the completion routes.
MESSAGES_ENDPOINTS = (
    ("/v1/messages", MessageCreate, create_message, "Create a message (Anthropic Messages API)"),
    ("/v1/messages/count_tokens", Prompt, count_tokens, "Count the tokens of a message prompt"),
)
routes = [Route(path, endpoint, methods=["POST"]) for path, _, endpoint, _ in MESSAGES_ENDPOINTS]
