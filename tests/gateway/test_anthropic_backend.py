"""``backend: anthropic`` against a stand-in for Anthropic's API (tests/anthropic_standin.py).

There is no Anthropic key and no network here, so a real HTTP server speaking Anthropic's wire format
stands in for api.anthropic.com. The three front-ends (chat completions, Responses, Messages) route
through it, tools and streaming included, as primary model, as fallback and as the hybrid share; its
overload and rate-limit errors reach the caller in the caller's protocol, never as a 500.
"""

from __future__ import annotations

import asyncio
import json

import anthropic
import openai
import pytest

from tests.anthropic_standin import AFTER_TOOL, PLAIN, STANDIN_KEY, TOOL_INPUT, AnthropicStandIn
from tests.gateway_process import start_gateway

CLAUDE = "claude-standin"
WEATHER = {
    "name": "get_weather",
    "description": "Weather of a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


@pytest.fixture(scope="module")
def standin():
    with AnthropicStandIn() as server:
        yield server


@pytest.fixture(scope="module")
def served(standin, tiny_model, tmp_path_factory):
    model_dir, adapters_dir = tiny_model
    claude = {
        "name": CLAUDE,
        "backend": "anthropic",
        "base_url": standin.url,
        "api_key": STANDIN_KEY,
        "upstream_model": "claude-sonnet-standin",
        "retries": 1,
        "retry_backoff_s": 0.01,
    }
    config = {
        "models": [
            claude,
            # the hybrid share: every request of this local model goes to Claude on purpose
            {
                "name": "hybrid",
                "backend": "local",
                "path": str(model_dir),
                "adapters_dir": str(adapters_dir),
                "fallback_model": CLAUDE,
                "hybrid_percent": 100,
            },
            # a primary that is down: Claude answers as the fallback
            {
                "name": "down-then-claude",
                "backend": "openai",
                "base_url": "http://127.0.0.1:9",
                "retries": 0,
                "fallback_model": CLAUDE,
            },
        ]
    }
    server = start_gateway(tmp_path_factory.mktemp("anthropic-backend"), config, init_args=())
    added = server.cli(
        "tenants",
        "add",
        "org_hybrid",
        "--name",
        "Hybrid",
        "--model",
        CLAUDE,
        "--model",
        "hybrid",
        "--model",
        "down-then-claude",
        "--json",
    )
    assert added.returncode == 0, added.stderr
    key = json.loads(server.cli("keys", "create", "--tenant", "org_hybrid", "--json").stdout)["api_key"]
    yield server, key
    server.stop()


def openai_client(served) -> openai.OpenAI:
    server, key = served
    return openai.OpenAI(base_url=server.base_url, api_key=key, max_retries=0)


@pytest.mark.parametrize("model", [CLAUDE, "hybrid", "down-then-claude"])
def test_chat_completions_through_claude_as_primary_hybrid_and_fallback(served, standin, model):
    reply = openai_client(served).chat.completions.create(
        model=model,
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}],
        max_tokens=30,
    )
    assert reply.choices[0].message.content == PLAIN
    assert reply.usage.completion_tokens == 7
    sent = standin.received[-1]
    assert sent["model"] == "claude-sonnet-standin" and sent["system"] == "Be brief." and sent["max_tokens"] == 30


def test_chat_tool_calls_stream_through_claude(served, standin):
    chunks = list(
        openai_client(served).chat.completions.create(
            model=CLAUDE,
            messages=[{"role": "user", "content": "weather in Paris?"}],
            max_tokens=30,
            stream=True,
            tools=[{"type": "function", "function": WEATHER}],
        )
    )
    arguments = "".join(
        tc.function.arguments or "" for c in chunks if c.choices for tc in c.choices[0].delta.tool_calls or []
    )
    assert json.loads(arguments) == TOOL_INPUT
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["tool_calls"]
    assert standin.received[-1]["tools"][0]["input_schema"] == WEATHER["parameters"]


def test_responses_with_a_function_call_and_its_output_through_claude(served, standin):
    api = openai_client(served)
    tools = [{"type": "function", **WEATHER}]
    first = api.responses.create(model=CLAUDE, input="weather in Paris?", tools=tools, max_output_tokens=64)
    calls = [item for item in first.output if item.type == "function_call"]
    assert len(calls) == 1 and json.loads(calls[0].arguments) == TOOL_INPUT
    second = api.responses.create(
        model=CLAUDE,
        previous_response_id=first.id,
        tools=tools,
        max_output_tokens=64,
        input=[{"type": "function_call_output", "call_id": calls[0].call_id, "output": "sunny"}],
    )
    assert second.output_text == AFTER_TOOL
    turns = standin.received[-1]["messages"]
    assert turns[-2]["content"][-1] == {
        "type": "tool_use",
        "id": calls[0].call_id,
        "name": "get_weather",
        "input": TOOL_INPUT,
    }
    assert turns[-1]["content"][0]["type"] == "tool_result"


def test_messages_stream_with_tools_through_claude(served):
    server, key = served
    api = anthropic.Anthropic(base_url=server.root_url, api_key=key, max_retries=0)
    tools = [{"name": WEATHER["name"], "description": WEATHER["description"], "input_schema": WEATHER["parameters"]}]
    with api.messages.stream(
        model=CLAUDE, max_tokens=64, tools=tools, messages=[{"role": "user", "content": "weather in Paris?"}]
    ) as stream:
        final = stream.get_final_message()
    assert final.stop_reason == "tool_use"
    tool_use = [b for b in final.content if b.type == "tool_use"][0]
    answer = api.messages.create(
        model=CLAUDE,
        max_tokens=64,
        tools=tools,
        messages=[
            {"role": "user", "content": "weather in Paris?"},
            {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in final.content]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool_use.id, "content": "sunny"}]},
        ],
    )
    assert tool_use.input == TOOL_INPUT and answer.content[0].text == AFTER_TOOL


def test_openai_agents_sdk_calls_the_tool_and_finishes(served):
    agents = pytest.importorskip("agents")
    server, key = served
    agents.set_tracing_disabled(True)
    seen: list[str] = []

    @agents.function_tool
    def get_weather(city: str) -> str:
        """Weather of a city."""
        seen.append(city)
        return "sunny"

    async def run() -> str:
        model = agents.OpenAIResponsesModel(
            model=CLAUDE, openai_client=openai.AsyncOpenAI(base_url=server.base_url, api_key=key, max_retries=0)
        )
        agent = agents.Agent(name="weather", instructions="Use the tool.", tools=[get_weather], model=model)
        return (await agents.Runner.run(agent, "weather in Paris?")).final_output

    assert asyncio.run(run()) == AFTER_TOOL
    assert seen == ["Paris"]


def test_upstream_overload_and_rate_limit_reach_each_protocol_as_theirs(served):
    server, key = served
    with pytest.raises(openai.APIStatusError) as overloaded:
        openai_client(served).chat.completions.create(
            model=CLAUDE, max_tokens=8, messages=[{"role": "user", "content": "OVERLOADED"}]
        )
    assert overloaded.value.status_code == 503 and overloaded.value.body["code"] == "upstream_overloaded"
    with pytest.raises(openai.RateLimitError):
        openai_client(served).responses.create(model=CLAUDE, input="RATE_LIMITED", max_output_tokens=16)
    api = anthropic.Anthropic(base_url=server.root_url, api_key=key, max_retries=0)
    with pytest.raises(anthropic.APIStatusError) as in_messages:
        api.messages.create(model=CLAUDE, max_tokens=8, messages=[{"role": "user", "content": "OVERLOADED"}])
    assert in_messages.value.status_code == 503
    assert in_messages.value.body["error"]["type"] == "overloaded_error"
