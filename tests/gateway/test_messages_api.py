"""Anthropic's Messages API on a running `paramstack serve` (local engine), with the unmodified `anthropic` client."""

from __future__ import annotations

import anthropic
import httpx
import pytest

MODEL = "paramstack-tiny"
# The SDK has no temperature parameter any more; the Messages API still takes one (greedy: comparable runs).
GREEDY = {"temperature": 0}
WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Weather of a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


def client(gateway, org_id: str = "org_medical") -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=gateway.root_url, api_key=gateway.key(org_id), max_retries=0)


def test_create_with_tools_and_a_tool_result_turn(gateway):
    message = client(gateway).messages.create(
        model=MODEL,
        max_tokens=16,
        extra_body=GREEDY,
        system="You answer briefly.",
        tools=[WEATHER_TOOL],
        messages=[
            {"role": "user", "content": "Weather in Paris?"},
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Let me check."},
                    {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
                ],
            },
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "toolu_1", "content": "21 C, sunny"},
                    {"type": "text", "text": "So?"},
                ],
            },
        ],
    )
    assert message.type == "message" and message.role == "assistant" and message.model == MODEL
    assert message.stop_reason in ("end_turn", "max_tokens", "tool_use")
    assert message.content and all(block.type in ("text", "tool_use") for block in message.content)
    assert message.usage.input_tokens > 10 and 1 <= message.usage.output_tokens <= 16
    assert message.model_extra["attestation"]["request_id"] == message.id


def test_stream_equals_the_whole_message(gateway):
    api = client(gateway)
    messages = [{"role": "user", "content": "What is paramstack?"}]
    whole = api.messages.create(model=MODEL, max_tokens=16, extra_body=GREEDY, messages=messages)
    with api.messages.stream(model=MODEL, max_tokens=16, extra_body=GREEDY, messages=messages) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "".join(b.text for b in whole.content if b.type == "text")
    assert final.stop_reason == whole.stop_reason
    assert final.usage.output_tokens == whole.usage.output_tokens
    assert final.usage.input_tokens == whole.usage.input_tokens


def test_raw_stream_events_come_in_anthropics_order(gateway):
    with httpx.stream(
        "POST",
        f"{gateway.root_url}/v1/messages",
        timeout=60,
        headers={"x-api-key": gateway.key("org_medical"), "anthropic-version": "2023-06-01"},
        json={"model": MODEL, "max_tokens": 8, "stream": True, "messages": [{"role": "user", "content": "Merhaba"}]},
    ) as reply:
        names = [line.removeprefix("event: ") for line in reply.iter_lines() if line.startswith("event: ")]
    assert names[:3] == ["message_start", "ping", "content_block_start"]
    assert set(names[3:-3]) == {"content_block_delta"}
    assert names[-3:] == ["content_block_stop", "message_delta", "message_stop"]


def test_count_tokens_matches_the_input_tokens_of_a_call(gateway):
    api = client(gateway)
    messages = [{"role": "user", "content": "How many tokens is this?"}]
    counted = api.messages.count_tokens(model=MODEL, messages=messages, system="Be brief.")
    message = api.messages.create(model=MODEL, max_tokens=4, messages=messages, system="Be brief.")
    assert counted.input_tokens == message.usage.input_tokens


def test_bearer_authorization_works_too(gateway):
    reply = httpx.post(
        f"{gateway.root_url}/v1/messages",
        timeout=60,
        headers={"authorization": f"Bearer {gateway.key('org_medical')}"},
        json={"model": MODEL, "max_tokens": 4, "messages": [{"role": "user", "content": "hi"}]},
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["type"] == "message"


def test_errors_take_anthropics_shape(gateway):
    with pytest.raises(anthropic.AuthenticationError) as wrong_key:
        anthropic.Anthropic(base_url=gateway.root_url, api_key="sk-wrong", max_retries=0).messages.create(
            model=MODEL, max_tokens=4, messages=[{"role": "user", "content": "hi"}]
        )
    assert wrong_key.value.body["type"] == "error"
    assert wrong_key.value.body["error"]["type"] == "authentication_error"
    with pytest.raises(anthropic.NotFoundError) as unknown_model:
        client(gateway).messages.create(model="claude-nope", max_tokens=4, messages=[{"role": "user", "content": "x"}])
    assert unknown_model.value.body["error"]["type"] == "not_found_error"
    too_large = httpx.post(
        f"{gateway.root_url}/v1/messages",
        headers={"x-api-key": gateway.key("org_medical")},
        json={"model": MODEL, "max_tokens": 4, "messages": [{"role": "user", "content": "x" * 1_100_000}]},
        timeout=30,
    )
    assert too_large.status_code == 413
    assert too_large.json()["error"]["type"] == "request_too_large"


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"messages": [{"role": "user", "content": "hi"}]}, "max_tokens: Field required"),
        (
            {"max_tokens": 4, "messages": [{"role": "user", "content": [{"type": "video", "url": "x"}]}]},
            "messages.0.content.0",
        ),
        (
            {
                "max_tokens": 4,
                "messages": [
                    {"role": "user", "content": "weather?"},
                    {
                        "role": "assistant",
                        "content": [{"type": "tool_use", "id": "t1", "name": "get_weather", "input": {}}],
                    },
                    {
                        "role": "user",
                        "content": [
                            {"type": "text", "text": "and"},
                            {"type": "tool_result", "tool_use_id": "t1", "content": "sunny"},
                        ],
                    },
                ],
            },
            "must come before any other content",
        ),
        (
            {
                "max_tokens": 4,
                "messages": [
                    {"role": "user", "content": "weather?"},
                    {
                        "role": "assistant",
                        "content": [{"type": "tool_use", "id": "t1", "name": "get_weather", "input": {}}],
                    },
                    {"role": "user", "content": "no answer"},
                ],
            },
            "without `tool_result` blocks immediately after: t1",
        ),
        (
            {
                "max_tokens": 4,
                "messages": [
                    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t9", "content": "x"}]}
                ],
            },
            "unexpected `tool_use_id`",
        ),
        (
            {
                "max_tokens": 4,
                "messages": [{"role": "user", "content": "hi"}],
                "tools": [WEATHER_TOOL],
                "tool_choice": {"type": "tool", "name": "absent"},
            },
            "'absent'",
        ),
    ],
)
def test_bad_input_is_a_400_in_anthropics_shape(gateway, body, needle):
    reply = httpx.post(
        f"{gateway.root_url}/v1/messages",
        json={"model": MODEL, **body},
        timeout=30,
        headers={"x-api-key": gateway.key("org_medical"), "anthropic-version": "2023-06-01"},
    )
    assert reply.status_code == 400, reply.text
    error = reply.json()
    assert error["type"] == "error" and error["error"]["type"] == "invalid_request_error", error
    assert needle in error["error"]["message"], error


def test_openai_routes_keep_openais_error_shape(gateway):
    reply = httpx.post(
        f"{gateway.base_url}/chat/completions",
        json={"model": MODEL},
        timeout=30,
        headers={"authorization": f"Bearer {gateway.key('org_medical')}"},
    )
    assert reply.status_code == 400 and "error" in reply.json() and reply.json()["error"]["type"]
