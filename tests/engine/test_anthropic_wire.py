"""The internal request as an Anthropic Messages body, and Anthropic's answers and errors read back."""

from __future__ import annotations

import json

import pytest

from paramstack.engine.anthropic_errors import upstream_error
from paramstack.engine.anthropic_wire import StreamState, messages_body, whole_message
from paramstack.engine.protocol import (
    ChatMessage,
    ContentPart,
    GenerationRequest,
    OutputFormat,
    SamplingParams,
    ToolCall,
    ToolCallDelta,
    ToolChoice,
    ToolSpec,
)
from paramstack.errors import (
    ContextLengthExceeded,
    InvalidRequest,
    UpstreamError,
    UpstreamOverloaded,
    UpstreamRateLimited,
)

TOOL = ToolSpec("get_weather", "Weather", {"type": "object", "properties": {"city": {"type": "string"}}})


def request(**fields) -> GenerationRequest:
    defaults = {
        "request_id": "r",
        "model": "claude",
        "sampling": SamplingParams(max_tokens=20, temperature=1.5, stop=("END",)),
    }
    return GenerationRequest(**{**defaults, **fields})


def test_turns_tools_and_images_go_out_as_anthropic_blocks():
    body = messages_body(
        request(
            messages=[
                ChatMessage(role="system", content="Be brief."),
                ChatMessage(
                    role="user",
                    content="look",
                    parts=(
                        ContentPart("text", text="look"),
                        ContentPart(
                            "image", source={"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
                        ),
                    ),
                ),
                ChatMessage(
                    role="assistant",
                    content="Checking.",
                    tool_calls=(
                        ToolCall("c1", "get_weather", '{"city":"Paris"}'),
                        ToolCall("c2", "get_weather", '{"city":"Rome"}'),
                    ),
                ),
                ChatMessage(role="tool", content="sunny", tool_call_id="c1"),
                ChatMessage(role="tool", content="rain", tool_call_id="c2"),
                ChatMessage(role="user", content="and?"),
            ],
            tools=(TOOL,),
            tool_choice=ToolChoice("required", "get_weather"),
            parallel_tool_calls=False,
            incremental=True,
        ),
        "claude-x",
    )
    assert body["system"] == "Be brief." and body["model"] == "claude-x" and body["stream"] is True
    assert body["temperature"] == 1.0 and body["stop_sequences"] == ["END"] and body["max_tokens"] == 20
    assert body["tool_choice"] == {"type": "tool", "name": "get_weather", "disable_parallel_tool_use": True}
    assert body["tools"] == [{"name": "get_weather", "description": "Weather", "input_schema": dict(TOOL.parameters)}]
    user, assistant, results = body["messages"]
    assert user["content"][1] == {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"},
    }
    assert [b["type"] for b in assistant["content"]] == ["text", "tool_use", "tool_use"]
    assert assistant["content"][1]["input"] == {"city": "Paris"}
    # Both results, then the text, in one user turn: the results first, as Anthropic requires.
    assert [b["type"] for b in results["content"]] == ["tool_result", "tool_result", "text"]


def test_structured_output_goes_out_as_output_config():
    body = messages_body(
        request(
            messages=[ChatMessage(role="user", content="x")],
            output_format=OutputFormat("json_schema", "o", {"type": "object"}),
        ),
        "c",
    )
    assert body["output_config"] == {"format": {"type": "json_schema", "schema": {"type": "object"}}}


def test_a_stream_becomes_text_and_tool_call_deltas():
    state = StreamState()
    events = [
        {"type": "message_start", "message": {"usage": {"input_tokens": 12, "output_tokens": 1}}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}},
        {
            "type": "content_block_start",
            "index": 1,
            "content_block": {"type": "tool_use", "id": "t1", "name": "get_weather", "input": {}},
        },
        {"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": '{"c'}},
        {"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 9}},
        {"type": "message_stop"},
    ]
    chunks = [c for c in map(state.read, events) if c is not None] + [state.final()]
    assert chunks[0].text == "Hi" and chunks[0].prompt_tokens == 12
    assert chunks[1].tool_calls == (ToolCallDelta(0, "t1", "get_weather", ""),)
    assert chunks[2].tool_calls == (ToolCallDelta(0, arguments='{"c'),)
    assert (chunks[-1].finish_reason, chunks[-1].completion_tokens) == ("tool_calls", 9)


@pytest.mark.parametrize(
    ("stop", "reason"),
    [("end_turn", "stop"), ("stop_sequence", "stop"), ("max_tokens", "length"), ("refusal", "content_filter")],
)
def test_a_whole_message_and_its_stop_reason(stop, reason):
    chunk = whole_message(
        {
            "type": "message",
            "content": [
                {"type": "text", "text": "ok"},
                {"type": "tool_use", "id": "t", "name": "f", "input": {"a": 1}},
            ],
            "stop_reason": stop,
            "usage": {"input_tokens": 3, "output_tokens": 2},
        }
    )
    assert chunk.text == "ok" and chunk.finish_reason == reason
    assert chunk.tool_calls == (ToolCallDelta(0, "t", "f", '{"a":1}'),)


@pytest.mark.parametrize(
    ("status", "kind", "message", "error"),
    [
        (429, "rate_limit_error", "slow down", UpstreamRateLimited),
        (529, "overloaded_error", "Overloaded", UpstreamOverloaded),
        (400, "invalid_request_error", "prompt is too long: 300000 tokens > 200000 maximum", ContextLengthExceeded),
        (400, "invalid_request_error", "messages: bad", InvalidRequest),
        (401, "authentication_error", "invalid x-api-key", UpstreamError),
        (500, "api_error", "boom", UpstreamError),
    ],
)
def test_upstream_errors_are_typed_and_never_a_500(status, kind, message, error):
    mapped = upstream_error(status, json.dumps({"type": "error", "error": {"type": kind, "message": message}}), "3")
    assert type(mapped) is error and mapped.status_code != 500
    if error is UpstreamRateLimited:
        assert mapped.status_code == 429 and mapped.headers == {"retry-after": "3"}
