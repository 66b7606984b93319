"""An upstream's refusal reaches the client as the right error: its 4xx stays a 4xx with its message."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.responses import StreamingResponse
from starlette.routing import Route
from tests.deploy.servers import ThreadedServer
from tests.vllm_standin import VllmStandin
from upstream_client import chat, serving

from paramstack.engine.protocol import ChatMessage, ContentPart
from paramstack.errors import (
    ContextLengthExceeded,
    InvalidRequest,
    PayloadTooLarge,
    RateLimited,
    UpstreamError,
)

IMAGE = {"type": "image_url", "image_url": {"url": "https://example.invalid/cat.png"}}


def with_image() -> ChatMessage:
    return ChatMessage(
        "user", "What is this?", parts=(ContentPart("text", "What is this?"), ContentPart("image", source=IMAGE))
    )


@pytest.mark.parametrize("flat", [False, True], ids=["vllm", "vllm<0.10"])
@pytest.mark.parametrize("incremental", [True, False])
def test_an_image_for_a_text_only_model_is_the_upstreams_400(flat, incremental):
    with serving(VllmStandin(vision=False, flat_errors=flat)) as vllm, pytest.raises(InvalidRequest) as refused:
        vllm.generate(chat(with_image(), incremental=incremental))
    assert refused.value.status_code == 400
    assert "base is not a multimodal model" in refused.value.message
    assert len(vllm.standin.bodies) == 1  # a client error is not retried


@pytest.mark.parametrize(
    ("status", "message", "error", "code"),
    [
        (400, "Invalid JSON schema: 'foo' is not a valid type", InvalidRequest, 400),
        (
            400,
            "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens.",
            ContextLengthExceeded,
            400,
        ),
        (422, "response_format.json_schema: field required", InvalidRequest, 400),
        (413, "Request body too large", PayloadTooLarge, 413),
        (404, "The model `base` does not exist.", UpstreamError, 502),
        (401, "Unauthorized", UpstreamError, 502),
        (500, "engine dead", UpstreamError, 502),
        (503, "overloaded", UpstreamError, 502),
    ],
)
def test_status_mapping(status, message, error, code):
    with serving(VllmStandin(fail_with=(status, message))) as vllm, pytest.raises(error) as refused:
        vllm.generate(chat("hi"), retries=1)
    assert type(refused.value) is error and refused.value.status_code == code
    assert message in refused.value.message
    assert len(vllm.standin.bodies) == (2 if status == 503 else 1)  # only "the upstream did no work" is retried


def test_429_is_retried_then_told_as_rate_limited():
    with serving(VllmStandin(fail_with=(429, "Too many requests"))) as vllm, pytest.raises(RateLimited) as limited:
        vllm.generate(chat("hi"), retries=2)
    assert limited.value.status_code == 429 and len(vllm.standin.bodies) == 3


def test_an_error_event_inside_the_stream_keeps_its_status():
    async def chat_route(_request):
        async def events():
            yield 'data: {"choices": [{"index": 0, "delta": {"content": "Hel"}, "finish_reason": null}]}\n\n'
            yield (
                'data: {"error": {"message": "grammar could not be compiled", "type": "BadRequestError", '
                '"param": "response_format", "code": 400}}\n\n'
            )
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    from upstream_client import Upstream

    app = Starlette(routes=[Route("/v1/chat/completions", chat_route, methods=["POST"])])
    with ThreadedServer(app) as server:
        upstream = Upstream(VllmStandin(), server.url)
        with pytest.raises(InvalidRequest) as refused:
            upstream.generate(chat("hi"))
    assert refused.value.param == "response_format" and "grammar" in refused.value.message
