"""The Responses and Messages translations and encoders on their own (no server): event order, item shapes,
stop reasons, and what goes into the one internal call."""

from __future__ import annotations

import asyncio
import json

import pytest

from paramstack.calls import UsageCounts
from paramstack.engine.protocol import ChatMessage, TokenLogprob, ToolCall, ToolCallDelta
from paramstack.errors import InvalidRequest, UpstreamOverloaded
from paramstack.gateway.call_events import Finished, TextDelta
from paramstack.gateway.protocols import messages_output, responses_output
from paramstack.gateway.protocols.messages_request import MessageCreate
from paramstack.gateway.protocols.messages_translate import to_call_request as message_call
from paramstack.gateway.protocols.responses_request import ResponseCreate
from paramstack.gateway.protocols.responses_translate import to_call_request as response_call

CALL = ToolCall("call_1", "get_weather", '{"city":"Paris"}')


async def events(*items, error=None):
    for item in items:
        yield item
    if error is not None:
        raise error


def finished(reason="stop", calls=()):
    return Finished(reason, UsageCounts(5, 3), None, tuple(calls))


def sse_payloads(chunks: list[bytes]) -> list[dict]:
    return [
        json.loads(line[5:]) for chunk in chunks for line in chunk.decode().splitlines() if line.startswith("data:")
    ]


def responses_stream(*items, error=None, **fields) -> list[dict]:
    body = ResponseCreate.model_validate({"model": "m", "input": "hi", "stream": True, **fields})
    shell = responses_output.ResponseShell("resp-1", 0, "m", body, response_call(body))

    async def run():
        return [c async for c in responses_output.stream(events(*items, error=error), shell, None)]

    return sse_payloads(asyncio.run(run()))


def test_responses_stream_text_then_a_function_call_in_openais_order():
    got = responses_stream(
        TextDelta("Hel"),
        TextDelta("lo"),
        ToolCallDelta(0, "call_1", "get_weather", '{"ci'),
        ToolCallDelta(0, arguments='ty":"Paris"}'),
        finished("tool_calls", [CALL]),
    )
    assert [e["type"] for e in got] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.output_item.added",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [e["sequence_number"] for e in got] == list(range(len(got)))
    final = got[-1]["response"]
    assert final["status"] == "completed" and [i["type"] for i in final["output"]] == ["message", "function_call"]
    assert final["output"][1]["call_id"] == "call_1" and final["output"][1]["arguments"] == CALL.arguments
    assert got[9]["output_index"] == 1 and got[9]["item"]["status"] == "in_progress"
    assert final["usage"] == {
        "input_tokens": 5,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 3,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 8,
    }


@pytest.mark.parametrize(("reason", "detail"), [("length", "max_output_tokens"), ("content_filter", "content_filter")])
def test_a_cut_response_is_incomplete_with_its_reason(reason, detail):
    got = responses_stream(TextDelta("partial"), finished(reason))
    assert got[-1]["type"] == "response.incomplete"
    assert got[-1]["response"]["incomplete_details"] == {"reason": detail}
    assert got[-1]["response"]["output"][0]["status"] == "incomplete"


def test_a_failure_after_the_headers_ends_with_response_failed():
    got = responses_stream(TextDelta("so"), error=UpstreamOverloaded("busy"))
    assert got[-1]["type"] == "response.failed"
    assert got[-1]["response"]["error"] == {"code": "upstream_overloaded", "message": "busy"}


def messages_stream(*items, error=None) -> tuple[list[str], list[dict]]:
    shell = messages_output.MessageShell("msg-1", "m")

    async def run():
        return [c async for c in messages_output.stream(events(*items, error=error), shell)]

    chunks = asyncio.run(run())
    names = [line[7:] for c in chunks for line in c.decode().splitlines() if line.startswith("event: ")]
    return names, sse_payloads(chunks)


def test_messages_stream_text_then_tool_use_in_anthropics_order():
    names, got = messages_stream(
        TextDelta("Hi"),
        ToolCallDelta(0, "call_1", "get_weather", '{"city":'),
        ToolCallDelta(0, arguments='"Paris"}'),
        finished("tool_calls", [CALL]),
    )
    assert names == [
        "message_start",
        "ping",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert got[5]["content_block"] == {"type": "tool_use", "id": "call_1", "name": "get_weather", "input": {}}
    assert (
        "".join(e["delta"]["partial_json"] for e in got if e.get("delta", {}).get("type") == "input_json_delta")
        == CALL.arguments
    )
    assert got[-2]["delta"]["stop_reason"] == "tool_use" and got[-2]["usage"]["output_tokens"] == 3


def test_a_content_filter_is_anthropics_refusal_and_a_late_error_its_error_event():
    _, got = messages_stream(TextDelta("x"), finished("content_filter"))
    assert got[-2]["delta"]["stop_reason"] == "refusal"
    names, got = messages_stream(TextDelta("x"), error=UpstreamOverloaded("busy"))
    assert names[-1] == "error" and got[-1] == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "busy"},
    }


def test_responses_items_become_turns_with_calls_on_the_assistant_turn():
    body = ResponseCreate.model_validate(
        {
            "model": "m",
            "instructions": "Be brief.",
            "input": [
                {"role": "developer", "content": "Turkish please."},
                {
                    "role": "user",
                    "content": [
                        {"type": "input_text", "text": "look"},
                        {"type": "input_image", "image_url": "https://x/cat.png"},
                    ],
                },
                {
                    "type": "message",
                    "role": "assistant",
                    "id": "msg_1",
                    "status": "completed",
                    "content": [{"type": "output_text", "text": "Checking.", "annotations": []}],
                },
                {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": '{"city":"Paris"}'},
                {"type": "function_call_output", "call_id": "call_1", "output": "sunny"},
            ],
        }
    )
    call = response_call(body, previous=(ChatMessage(role="user", content="earlier"),))
    roles = [m.role for m in call.messages]
    assert roles == ["system", "user", "system", "user", "assistant", "tool"]
    assert call.messages[0].content == "Be brief." and call.messages[1].content == "earlier"
    assert call.messages[3].media[0].source["image_url"]["url"] == "https://x/cat.png"
    assert call.messages[4].content == "Checking." and call.messages[4].tool_calls == (CALL,)
    assert call.protocol == "responses" and call.id_prefix == "resp_"


def test_a_function_call_output_may_answer_a_call_of_the_previous_response():
    body = ResponseCreate.model_validate(
        {"model": "m", "input": [{"type": "function_call_output", "call_id": "call_1", "output": "sunny"}]}
    )
    with pytest.raises(InvalidRequest):
        response_call(body)
    previous = (ChatMessage(role="assistant", content="", tool_calls=(CALL,)),)
    assert response_call(body, previous).messages[-1].tool_call_id == "call_1"


def test_messages_blocks_become_turns():
    body = MessageCreate.model_validate(
        {
            "model": "m",
            "max_tokens": 5,
            "system": [{"type": "text", "text": "S"}],
            "stop_sequences": ["END"],
            "tool_choice": {"type": "any"},
            "tools": [{"name": "get_weather", "input_schema": {"type": "object"}}],
            "messages": [
                {"role": "user", "content": "weather?"},
                {
                    "role": "assistant",
                    "content": [
                        {"type": "tool_use", "id": "call_1", "name": "get_weather", "input": {"city": "Paris"}}
                    ],
                },
                {
                    "role": "user",
                    "content": [
                        {"type": "tool_result", "tool_use_id": "call_1", "content": "no data", "is_error": True},
                        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"}},
                    ],
                },
            ],
        }
    )
    call = message_call(body)
    assert [m.role for m in call.messages] == ["system", "user", "assistant", "tool", "user"]
    assert call.messages[2].tool_calls == (CALL,)
    assert call.messages[3].content == "Error: no data"
    assert call.messages[4].media[0].source["image_url"]["url"] == "data:image/png;base64,AAAA"
    assert call.tool_choice.mode == "required" and call.stop == ("END",) and call.max_tokens == 5


def test_logprobs_go_out_only_when_included_as_in_openais_api():
    entry = TokenLogprob("Hi", -0.5, (("Hi", -0.5), ("Yo", -1.5)))
    plain = responses_stream(TextDelta("Hi", (entry,)), finished(), top_logprobs=2)
    assert plain[4]["logprobs"] == [] and plain[-1]["response"]["output"][0]["content"][0]["logprobs"] == []
    asked = responses_stream(
        TextDelta("Hi", (entry,)), finished(), top_logprobs=2, include=["message.output_text.logprobs"]
    )
    (sent,) = asked[4]["logprobs"]
    assert (
        sent["token"] == "Hi" and sent["logprob"] == -0.5 and [t["token"] for t in sent["top_logprobs"]] == ["Hi", "Yo"]
    )
    assert asked[-1]["response"]["output"][0]["content"][0]["logprobs"] == [sent]
