"""What the OpenAI-compatible upstream engine sends vLLM, read from the bodies a real stand-in server received."""

from __future__ import annotations

import asyncio

import pytest
from tests.vllm_standin import VllmStandin
from upstream_client import chat, completion, serving, text

from paramstack.engine.circuit import CircuitBreaker
from paramstack.engine.fallback import FallbackEngine
from paramstack.engine.protocol import (
    ChatMessage,
    ContentPart,
    OutputFormat,
    SamplingParams,
    ToolCall,
    ToolChoice,
    ToolSpec,
)

WEATHER = ToolSpec(
    "get_weather",
    "The weather in a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": False},
    strict=True,
)
IMAGE = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo=", "detail": "low"}}
AUDIO = {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}}


@pytest.fixture()
def vllm():
    with serving(VllmStandin(vision=True)) as upstream:
        yield upstream


def test_unknown_fields_reach_vllm_as_sent_and_never_replace_the_gateways(vllm):
    passthrough = {
        "top_k": 5,
        "repetition_penalty": 1.1,
        "chat_template_kwargs": {"enable_thinking": False},
        "min_p": 0.05,
        "model": "evil",
        "max_tokens": 100000,
        "stream": False,
        "n": 3,
        "stream_options": {"continuous_usage_stats": True},
    }
    chunks = vllm.generate(chat("hi", passthrough=passthrough, sampling=SamplingParams(max_tokens=32)))
    body = vllm.body
    assert {k: body[k] for k in ("top_k", "repetition_penalty", "chat_template_kwargs", "min_p")} == {
        "top_k": 5,
        "repetition_penalty": 1.1,
        "chat_template_kwargs": {"enable_thinking": False},
        "min_p": 0.05,
    }
    assert (body["model"], body["max_tokens"], body["stream"], body["stream_options"]) == (
        "base",
        32,
        True,
        {"include_usage": True},
    )
    assert "n" not in body
    assert text(chunks) == "Hello from the vLLM stand-in."


def test_content_parts_are_rebuilt_in_the_callers_order_with_the_guarded_text(vllm):
    parts = (
        ContentPart("text", "Look at [EMAIL]"),
        ContentPart("image", source=IMAGE),
        ContentPart("text", "and listen"),
        ContentPart("audio", source=AUDIO),
    )
    vllm.generate(chat(ChatMessage("user", "Look at [EMAIL]and listen", parts=parts)))
    assert vllm.body["messages"] == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Look at [EMAIL]"},
                IMAGE,
                {"type": "text", "text": "and listen"},
                AUDIO,
            ],
        }
    ]


def test_tool_turns_tools_and_choices_go_in_openais_shape(vllm):
    call = ToolCall("chatcmpl-tool-1", "get_weather", '{"city": "Paris"}')
    turns = (
        ChatMessage("system", "Be brief."),
        ChatMessage("user", "Weather?"),
        ChatMessage("assistant", "", tool_calls=(call,)),
        ChatMessage("tool", '{"temp": 21}', tool_call_id="chatcmpl-tool-1", name="get_weather"),
    )
    vllm.generate(
        chat(*turns, tools=(WEATHER,), tool_choice=ToolChoice("required", "get_weather"), parallel_tool_calls=False)
    )
    body = vllm.body
    assert body["messages"][2:] == [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "chatcmpl-tool-1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                }
            ],
        },
        {"role": "tool", "content": '{"temp": 21}', "tool_call_id": "chatcmpl-tool-1", "name": "get_weather"},
    ]
    assert body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "The weather in a city",
                "parameters": dict(WEATHER.parameters),
                "strict": True,
            },
        }
    ]
    assert body["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    assert body["parallel_tool_calls"] is False


@pytest.mark.parametrize(
    ("choice", "sent"),
    [(ToolChoice("auto"), "auto"), (ToolChoice("none"), "none"), (ToolChoice("required"), "required")],
)
def test_tool_choice_modes(vllm, choice, sent):
    vllm.generate(chat("Weather?", tools=(WEATHER,), tool_choice=choice, incremental=False))
    assert vllm.body["tool_choice"] == sent and "parallel_tool_calls" not in vllm.body


def test_no_tools_sends_no_tool_fields(vllm):
    vllm.generate(chat("hi"))
    assert not {"tools", "tool_choice", "parallel_tool_calls", "response_format", "logprobs"} & set(vllm.body)


def test_response_formats(vllm):
    schema = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
    vllm.generate(chat("Who?", output_format=OutputFormat("json_schema", "person", schema, strict=True)))
    assert vllm.body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "person", "schema": schema, "strict": True},
    }
    chunks = vllm.generate(chat("Who?", output_format=OutputFormat("json_object")))
    assert vllm.body["response_format"] == {"type": "json_object"}
    assert text(chunks) == '{"answer": "ok"}'


def test_logprob_fields_for_chat_and_completions(vllm):
    vllm.generate(chat("hi", logprobs=3))
    assert (vllm.body["logprobs"], vllm.body["top_logprobs"]) == (True, 3)
    vllm.generate(completion("Once upon", logprobs=2))
    assert vllm.body["logprobs"] == 2 and "echo" not in vllm.body


def test_token_id_prompts_go_as_a_list(vllm):
    chunks = vllm.generate(completion((101, 7592, 102)))
    assert vllm.body["prompt"] == [101, 7592, 102] and vllm.body["stream"] is True
    assert text(chunks) == "Hello from the vLLM stand-in."


def test_capabilities_come_from_settings(vllm):
    assert vllm.engine().capabilities() == {
        "tools": True,
        "structured_outputs": True,
        "logprobs": True,
        "vision": False,
    }
    engine = vllm.engine(capabilities={"vision": True, "tools": False})
    assert engine.capabilities()["vision"] is True and engine.capabilities()["tools"] is False
    # Behind a fallback the model still reports its primary's capabilities.
    assert FallbackEngine("vllm", engine, vllm.engine(), CircuitBreaker()).capabilities() == engine.capabilities()


def test_prompt_bound_counts_tools_and_tool_turns(vllm):
    engine = vllm.engine()
    call = ToolCall("chatcmpl-tool-1", "get_weather", '{"city": "' + "x" * 500 + '"}')
    plain = chat("Weather?")
    with_tools = chat("Weather?", tools=(WEATHER,))
    with_turns = chat(
        "Weather?",
        ChatMessage("assistant", "", tool_calls=(call,)),
        ChatMessage("tool", "sunny", tool_call_id="chatcmpl-tool-1"),
        tools=(WEATHER,),
    )

    async def count():
        return [await engine.count_prompt_tokens(r) for r in (plain, with_tools, with_turns)]

    base, tools, turns = asyncio.run(count())
    assert tools - base >= len(str(dict(WEATHER.parameters)))  # the definitions are part of the prompt
    assert turns - tools > 500  # and so are the call's arguments
    assert asyncio.run(engine.count_prompt_tokens(completion((1, 2, 3)))) == 3
