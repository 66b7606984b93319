"""Tool calls from a vLLM-shaped server: streamed deltas relayed one-to-one, whole answers one delta per call."""

from __future__ import annotations

import json

import pytest
from upstream_client import chat, serving

from paramstack.engine.protocol import ChatMessage, SamplingParams, ToolCall, ToolCallDelta, ToolChoice, ToolSpec

WEATHER = ToolSpec(
    "get_weather",
    "The weather in a city",
    {
        "type": "object",
        "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
        "required": ["city", "days"],
    },
)
CLOCK = ToolSpec("get_time", None, {"type": "object", "properties": {"zone": {"type": "string"}}})


@pytest.fixture()
def vllm():
    with serving() as upstream:
        yield upstream


def upstream_deltas(events: list[dict]) -> list[ToolCallDelta]:
    """Every ``delta.tool_calls`` entry vLLM streamed, as the ToolCallDelta it should become."""
    out = []
    for event in events:
        for choice in event["choices"]:
            for raw in choice["delta"].get("tool_calls") or ():
                function = raw.get("function") or {}
                out.append(
                    ToolCallDelta(raw["index"], raw.get("id"), function.get("name"), function.get("arguments") or "")
                )
    return out


@pytest.mark.parametrize("choice", [ToolChoice("auto"), ToolChoice("required", "get_weather")])
def test_streamed_tool_call_deltas_are_relayed_one_to_one(vllm, choice):
    request = chat("Weather in Paris?", tools=(CLOCK, WEATHER) if choice.name else (WEATHER, CLOCK), tool_choice=choice)
    chunks = vllm.generate(request)
    relayed = [delta for chunk in chunks for delta in chunk.tool_calls]
    expected = upstream_deltas(vllm.standin.answers[-1])  # what the server streamed
    assert relayed == expected
    assert len(relayed) > 3 and all(len(d.arguments) <= 6 for d in relayed)  # not merged into bigger pieces
    first, *rest = relayed
    assert first.id.startswith("chatcmpl-tool-") and first.name == "get_weather"
    assert all(d.id is None and d.name is None for d in rest)
    if choice.mode == "auto":
        assert first.arguments == ""  # vLLM's auto parser names the function first, arguments follow
    assert json.loads("".join(d.arguments for d in relayed)) == {"city": "Paris", "days": 1}
    assert chunks[-1].finish_reason == "tool_calls"
    assert chunks[-1].completion_tokens == len([d for d in expected if d.arguments])  # vLLM's usage, exact


def test_a_whole_answer_gives_one_delta_per_call_with_the_whole_arguments(vllm):
    chunks = vllm.generate(chat("Weather?", tools=(WEATHER,), incremental=False))
    assert len(chunks) == 1
    [chunk] = chunks
    [delta] = chunk.tool_calls
    assert delta.index == 0 and delta.id.startswith("chatcmpl-tool-") and delta.name == "get_weather"
    assert json.loads(delta.arguments) == {"city": "Paris", "days": 1}
    assert chunk.finish_reason == "tool_calls" and chunk.text == ""


def test_after_the_tool_result_the_model_answers_in_text(vllm):
    call = ToolCall("chatcmpl-tool-1", "get_weather", '{"city": "Paris", "days": 1}')
    chunks = vllm.generate(
        chat(
            "Weather?",
            ChatMessage("assistant", "", tool_calls=(call,)),
            ChatMessage("tool", "sunny, 21 C", tool_call_id="chatcmpl-tool-1"),
            tools=(WEATHER,),
        )
    )
    assert "".join(c.text for c in chunks) == "The tool said: sunny, 21 C"
    assert not any(c.tool_calls for c in chunks) and chunks[-1].finish_reason == "stop"


@pytest.mark.parametrize("incremental", [True, False])
def test_a_call_cut_by_max_tokens_says_length(vllm, incremental):
    chunks = vllm.generate(
        chat(
            "Weather?",
            tools=(WEATHER,),
            tool_choice=ToolChoice("required"),
            sampling=SamplingParams(max_tokens=2),
            incremental=incremental,
        )
    )
    arguments = "".join(d.arguments for c in chunks for d in c.tool_calls)
    assert chunks[-1].finish_reason == "length"
    with pytest.raises(ValueError):
        json.loads(arguments)
