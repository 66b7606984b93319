"""POST /v1/responses, GET and DELETE /v1/responses/{id}: OpenAI's Responses API on the one pipeline.

The body is translated into the one internal call (``protocols/responses_translate.py``); limits, guard,
retrieval, engine, signing, ledger and audit are the pipeline's, as for chat. With ``store`` (OpenAI's
default) the response and the conversation it ends are kept per tenant (``conversations/store.py``), so
``previous_response_id`` continues it and GET returns it. What is kept is what the guard let through
(masked input, delivered output). The database is only ever called from a worker thread.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from paramstack.attest.wire import attestation_headers
from paramstack.conversations.store import ResponseStore
from paramstack.engine.protocol import ChatMessage, ToolCall
from paramstack.errors import InvalidRequest, NotFound, ParamstackError
from paramstack.gateway.pipeline import PreparedCall
from paramstack.gateway.protocols.responses_output import ResponseShell, Store, complete, input_items, stream
from paramstack.gateway.protocols.responses_request import ResponseCreate
from paramstack.gateway.protocols.responses_translate import to_call_request
from paramstack.gateway.responses import sources_body
from paramstack.gateway.routes.completions import SSE_HEADERS, ClosingStreamingResponse, read_call
from paramstack.gateway.services import Services, services
from paramstack.observability.tracing import ended_on_error

LOG = logging.getLogger("paramstack.gateway")
router = APIRouter(prefix="/v1", tags=["responses"])
ResponseId = Annotated[
    str, Path(max_length=200, pattern=r"^[A-Za-z0-9_\-]+$", description="The id of a stored response (resp_...)")
]


async def create_response(request: Request) -> Response:
    svc: Services = request.app.state.services
    trace = svc.pipeline.tracing.begin("responses", request.headers)
    with ended_on_error(trace):
        with trace.step("authentication"):
            caller = await svc.pipeline.authenticate(request.headers.get("authorization"))
        # Phase one validates the body alone (refusals audited by read_call); phase two adds the stored
        # conversation, which a function_call_output may answer, and is audited the same way.
        body, raw_body = await read_call(request, caller, ResponseCreate, _validated)
        try:
            previous: tuple[ChatMessage, ...] = ()
            if body.previous_response_id is not None:
                previous = await _previous_context(
                    _store(svc), caller.org_id, body.previous_response_id, svc.settings.responses.max_turns
                )
            call_request = to_call_request(body, previous)
        except ParamstackError as refusal:
            await svc.pipeline.refuse(caller, None, body.model, raw_body, refusal)
            raise
        prepared = await svc.pipeline.prepare(caller, call_request, raw_body, trace)
    shell = ResponseShell(
        prepared.call.request_id,
        prepared.call.created,
        prepared.call.public_model,
        body,
        call_request,
        tuple(sources_body(prepared.sources)),
    )
    headers = {"x-request-id": prepared.call.request_id, **prepared.rate_limit_headers}
    keep = _keeper(svc, prepared, body, len(previous)) if body.store else None
    events = svc.pipeline.execute(prepared)
    if body.stream:
        return ClosingStreamingResponse(
            stream(events, shell, keep), media_type="text/event-stream", headers={**SSE_HEADERS, **headers}
        )
    result, finished = await complete(events, shell)
    if keep is not None:
        await keep(result)
    if finished.attestation is not None:
        headers.update(attestation_headers(finished.attestation))
    return JSONResponse(result, headers=headers)


@router.get("/responses/{response_id}", summary="Retrieve a stored response")
async def get_response(
    request: Request, response_id: ResponseId, svc: Annotated[Services, Depends(services)]
) -> dict[str, Any]:
    caller = await svc.tenant_caller(request)
    stored = await anyio.to_thread.run_sync(_store(svc).get, caller.org_id, response_id)
    if stored is None:
        raise _not_found(response_id)
    return dict(stored.response)


@router.get("/responses/{response_id}/input_items", summary="List the input items of a stored response")
async def list_input_items(
    request: Request,
    response_id: ResponseId,
    svc: Annotated[Services, Depends(services)],
    order: Annotated[Literal["asc", "desc"], Query()] = "desc",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    after: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    caller = await svc.tenant_caller(request)
    stored = await anyio.to_thread.run_sync(_store(svc).get, caller.org_id, response_id)
    if stored is None:
        raise _not_found(response_id)
    items = stored.input_items if order == "asc" else stored.input_items[::-1]
    if after is not None:
        ids = [item["id"] for item in items]
        items = items[ids.index(after) + 1 :] if after in ids else []
    page = items[:limit]
    return {
        "object": "list",
        "data": page,
        "first_id": page[0]["id"] if page else None,
        "last_id": page[-1]["id"] if page else None,
        "has_more": len(items) > limit,
    }


@router.delete("/responses/{response_id}", summary="Delete a stored response")
async def delete_response(
    request: Request, response_id: ResponseId, svc: Annotated[Services, Depends(services)]
) -> dict[str, Any]:
    caller = await svc.tenant_caller(request)
    if not await anyio.to_thread.run_sync(_store(svc).delete, caller.org_id, response_id):
        raise _not_found(response_id)
    return {"id": response_id, "object": "response", "deleted": True}


# (path, request model, endpoint, summary): documented by gateway/openapi.py like the completion routes.
RESPONSES_ENDPOINTS = (("/v1/responses", ResponseCreate, create_response, "Create a model response"),)
routes = [Route(path, endpoint, methods=["POST"]) for path, _, endpoint, _ in RESPONSES_ENDPOINTS]


def _validated(body: ResponseCreate, _raw_body: Any) -> ResponseCreate:
    if body.previous_response_id is None:
        to_call_request(body)  # every check that needs no stored conversation, before anything is read
    return body


def _store(svc: Services) -> ResponseStore:
    assert svc.response_store is not None, "create_app builds the response store"
    return svc.response_store


async def _previous_context(
    store: ResponseStore, org_id: str, response_id: str, max_turns: int
) -> tuple[ChatMessage, ...]:
    stored = await anyio.to_thread.run_sync(store.get, org_id, response_id)
    if stored is None:  # unknown, another tenant's, expired or deleted: all look the same
        raise InvalidRequest(
            f"Previous response with id '{response_id}' not found.",
            param="previous_response_id",
            code="previous_response_not_found",
        )
    return stored.context[-max_turns:]


def _keeper(svc: Services, prepared: PreparedCall, body: ResponseCreate, carried: int) -> Store:
    """Saves the final response object with the conversation it ends (guarded input + delivered output);
    ``carried``: how many of the turns came from ``previous_response_id``."""
    store, org_id = _store(svc), prepared.call.org_id
    turns = list(prepared.generation.messages or ())
    if turns and turns[0].role == "system" and (body.instructions or prepared.sources):
        turns = turns[1:]  # instructions are not carried over (OpenAI); retrieved sources are per call
    own_input = input_items(turns[carried:])

    async def keep(response: dict[str, Any]) -> None:
        context = [*turns, _output_turn(response)]
        try:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(store.save, org_id, response["id"], response, context, own_input)
        except Exception:  # the answer is delivered and charged: a failed save must not take it away
            LOG.exception("the response could not be stored", extra={"request_id": response["id"]})

    return keep


def _output_turn(response: dict[str, Any]) -> ChatMessage:
    text = "".join(
        part.get("text", "") for item in response["output"] if item["type"] == "message" for part in item["content"]
    )
    calls = tuple(
        ToolCall(item["call_id"], item["name"], item["arguments"])
        for item in response["output"]
        if item["type"] == "function_call"
    )
    return ChatMessage(role="assistant", content=text, tool_calls=calls)


def _not_found(response_id: str) -> NotFound:
    return NotFound(f"Response with id '{response_id}' not found.", param="response_id")
