"""Bad tool, schema and logprob requests get OpenAI's error JSON with the right 4xx and the offending field
named in ``param``; never a 500."""

from __future__ import annotations

import httpx
import pytest

from tests.gateway.test_http_errors import assert_openai_error, post

MODEL = "paramstack-tiny"
HELLO = [{"role": "user", "content": "What is the weather in Ankara?"}]
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def chat(gateway, **body) -> httpx.Response:
    return post(
        gateway,
        "/v1/chat/completions",
        key=gateway.key("org_ailydian"),
        json={"model": MODEL, "messages": HELLO, "max_tokens": 4, **body},
    )


@pytest.mark.parametrize(
    ("body", "param", "says"),
    [
        (
            {"tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "objekt"}}}]},
            "tools[0].function.parameters",
            "not a valid JSON Schema",
        ),
        (
            {"tools": [{"type": "function", "function": {"name": "f", "parameters": ["not", "an", "object"]}}]},
            "tools.0.function.parameters",
            None,
        ),
        (
            {"tools": [WEATHER], "tool_choice": {"type": "function", "function": {"name": "send_mail"}}},
            "tool_choice",
            "send_mail",
        ),
        ({"tool_choice": "required"}, "tool_choice", "no tools"),
        ({"tools": [WEATHER, WEATHER]}, "tools[1]", "twice"),
        ({"tools": [{"type": "function", "function": {"name": "bad name!"}}]}, "tools.0.function.name", None),
        ({"logprobs": True, "top_logprobs": 21}, "top_logprobs", None),
        ({"top_logprobs": 2}, None, "logprobs"),
        (
            {"response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": 12}}}},
            "response_format.json_schema.schema",
            "not a valid JSON Schema",
        ),
        ({"response_format": {"type": "xml"}}, "response_format", None),
        (
            {"messages": [*HELLO, {"role": "tool", "tool_call_id": "call_nobody_made", "content": "sunny"}]},
            "messages[1].tool_call_id",
            "call_nobody_made",
        ),
        ({"messages": [{"role": "tool", "content": "sunny"}]}, "messages.0", "tool_call_id"),
        (
            {
                "messages": [
                    {"role": "system", "content": [{"type": "image_url", "image_url": {"url": "http://x/y.png"}}]}
                ]
            },
            "messages.0",
            "image_url",
        ),
    ],
)
def test_bad_tool_and_format_requests(gateway, body, param, says):
    error = assert_openai_error(chat(gateway, **body), 400, param=param)
    assert error["type"] == "invalid_request_error"
    if says:
        assert says in error["message"], error


def test_an_oversized_schema_is_refused(gateway):
    properties = {f"field_{i}": {"type": "string", "description": "x" * 200} for i in range(400)}
    tool = {
        "type": "function",
        "function": {"name": "huge", "parameters": {"type": "object", "properties": properties}},
    }
    error = assert_openai_error(chat(gateway, tools=[tool]), 400, param="tools[0].function.parameters")
    assert error["code"] == "schema_too_large"


def test_an_image_part_names_the_part_and_the_model(gateway):
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
    messages = [{"role": "user", "content": [{"type": "text", "text": "What is in this picture?"}, image]}]
    error = assert_openai_error(chat(gateway, messages=messages), 400)
    assert "image" in error["message"] and MODEL in error["message"], error
