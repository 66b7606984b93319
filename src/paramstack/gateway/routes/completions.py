"""POST /v1/chat/completions and POST /v1/completions (one handler shape for both)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse

from paramstack.attest.wire import attestation_headers
from paramstack.gateway.responses import ResponseShape, complete, stream
from paramstack.gateway.schemas import ChatCompletionRequest, CompletionRequest
from paramstack.gateway.services import Services, services

router = APIRouter(tags=["completions"])
SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}


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


async def _serve(request: Request, body: ChatCompletionRequest | CompletionRequest, shape: ResponseShape,
                 svc: Services) -> JSONResponse | StreamingResponse:
    pipeline = svc.pipeline
    prepared = await pipeline.prepare(request.headers.get("authorization"), body, await request.json())
    headers = {"x-request-id": prepared.call.request_id, **prepared.rate_limit_headers}
    events = pipeline.execute(prepared)
    if body.stream:
        return ClosingStreamingResponse(stream(events, prepared, shape, body.include_usage),
                                 media_type="text/event-stream", headers={**SSE_HEADERS, **headers})
    result, attestation = await complete(events, prepared, shape)
    if attestation is not None:
        headers.update(attestation_headers(attestation))
    return JSONResponse(result, headers=headers)


@router.post("/v1/chat/completions", response_model=None)
async def chat_completions(request: Request, body: ChatCompletionRequest,
                           svc: Annotated[Services, Depends(services)]) -> JSONResponse | StreamingResponse:
    return await _serve(request, body, ResponseShape("chat"), svc)


@router.post("/v1/completions", response_model=None)
async def text_completions(request: Request, body: CompletionRequest,
                           svc: Annotated[Services, Depends(services)]) -> JSONResponse | StreamingResponse:
    return await _serve(request, body, ResponseShape("text"), svc)
