"""Unmodified clients through a real `paramstack serve` in front of a vLLM-shaped upstream (tests/vllm_standin.py)."""

from __future__ import annotations

import asyncio
import json

import openai
import pytest
from pydantic import BaseModel

from tests.deploy.servers import ThreadedServer
from tests.gateway_process import start_gateway
from tests.vllm_standin import VllmStandin

TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


class City(BaseModel):
    name: str
    population: int


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    standin = VllmStandin()
    with ThreadedServer(standin.app) as upstream:
        config = {"models": [{"name": "vllm", "backend": "openai", "base_url": upstream.url, "upstream_model": "base"}]}
        gateway = start_gateway(tmp_path_factory.mktemp("vllm-gateway"), config, init_args=())
        try:
            added = gateway.cli(
                "tenants", "add", "org_agents", "--name", "Agents", "--model", "vllm", "--tps", "1000", "--json"
            )
            assert added.returncode == 0, added.stderr
            key = json.loads(gateway.cli("keys", "create", "--tenant", "org_agents", "--json").stdout)["api_key"]
            yield standin, gateway, key
        finally:
            gateway.stop()


@pytest.fixture()
def client(served):
    _, gateway, key = served
    return openai.OpenAI(base_url=gateway.base_url, api_key=key, max_retries=0)


def test_streamed_tool_calls_accumulate_in_the_sdk(served, client):
    with client.chat.completions.stream(
        model="vllm", tools=[TOOL], messages=[{"role": "user", "content": "Weather in Paris?"}]
    ) as stream:
        final = stream.get_final_completion()
    [call] = final.choices[0].message.tool_calls
    assert call.id.startswith("chatcmpl-tool-") and call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    assert final.choices[0].finish_reason == "tool_calls"


def test_structured_output_parses_and_unknown_fields_reach_vllm(served, client):
    standin = served[0]
    completion = client.chat.completions.parse(
        model="vllm",
        response_format=City,
        messages=[{"role": "user", "content": "A city?"}],
        extra_body={"top_k": 5, "chat_template_kwargs": {"thinking": False}},
    )
    assert completion.choices[0].message.parsed == City(name="Paris", population=1)
    assert standin.bodies[-1]["top_k"] == 5
    assert standin.bodies[-1]["chat_template_kwargs"] == {"thinking": False}
    assert standin.bodies[-1]["response_format"]["type"] == "json_schema"


def test_an_image_for_a_text_only_upstream_is_its_400(client):
    with pytest.raises(openai.BadRequestError, match="not a multimodal model"):
        client.chat.completions.create(
            model="vllm",
            messages=[
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "What is it?"},
                        {"type": "image_url", "image_url": {"url": "https://example.invalid/cat.png"}},
                    ],
                }
            ],
        )


def test_the_agents_sdk_calls_the_tool_and_finishes(served):
    from agents import Agent, OpenAIChatCompletionsModel, Runner, function_tool, set_tracing_disabled

    _, gateway, key = served
    set_tracing_disabled(True)
    seen: list[str] = []

    @function_tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        seen.append(city)
        return f"sunny in {city}"

    async def run() -> tuple[str, str]:
        model = OpenAIChatCompletionsModel(
            model="vllm", openai_client=openai.AsyncOpenAI(base_url=gateway.base_url, api_key=key, max_retries=0)
        )
        agent = Agent(name="weather", instructions="Use the tool.", tools=[get_weather], model=model)
        whole = await Runner.run(agent, "Weather in Paris?")
        streamed = Runner.run_streamed(agent, "Weather in Paris?")
        async for _ in streamed.stream_events():
            pass
        return whole.final_output, streamed.final_output

    assert asyncio.run(run()) == ("The tool said: sunny in Paris",) * 2
    assert seen == ["Paris", "Paris"]


def test_loglikelihood_requests_get_the_prompt_echoed_with_logprobs(client):
    choice = client.completions.create(
        model="vllm", prompt="The capital of France is", max_tokens=1, logprobs=1, echo=True
    ).choices[0]
    assert choice.text == "The capital of France isHello"
    assert choice.logprobs.tokens == ["The", " capital", " of", " France", " is", "Hello"]
    assert choice.logprobs.token_logprobs[0] is None and None not in choice.logprobs.token_logprobs[1:]


def test_models_lists_what_the_upstream_model_can_take(client):
    [card] = [m for m in client.models.list().data if m.id == "vllm"]
    assert card.model_extra["capabilities"] == {
        "tools": True,
        "structured_outputs": True,
        "logprobs": True,
        "vision": False,
    }


def test_a_stop_sequence_that_ended_the_answer_is_named_to_the_anthropic_sdk(served):
    import anthropic

    standin, gateway, key = served
    messages = anthropic.Anthropic(base_url=gateway.root_url, api_key=key, max_retries=0).messages
    ask = {"model": "vllm", "max_tokens": 64, "messages": [{"role": "user", "content": "Hi"}]}
    whole = messages.create(**ask, stop_sequences=["###", " vLLM"])
    assert (whole.stop_reason, whole.stop_sequence) == ("stop_sequence", " vLLM")
    assert [block.text for block in whole.content] == ["Hello from the"]
    assert standin.bodies[-1]["stop"] == ["###", " vLLM"]
    with messages.stream(**ask, stop_sequences=[" stand"]) as stream:
        final = stream.get_final_message()
    assert (final.stop_reason, final.stop_sequence) == ("stop_sequence", " stand")
    # A stop string that never came: an ordinary end of turn, no sequence named.
    plain = messages.create(**ask, stop_sequences=["never there"])
    assert (plain.stop_reason, plain.stop_sequence) == ("end_turn", None)
    # Chat completions keep OpenAI's shape: finish_reason "stop" and nothing else.
    chat = openai.OpenAI(base_url=gateway.base_url, api_key=key, max_retries=0).chat.completions.create(
        model="vllm", messages=[{"role": "user", "content": "Hi"}], stop=[" vLLM"]
    )
    assert (chat.choices[0].finish_reason, chat.choices[0].message.content) == ("stop", "Hello from the")
