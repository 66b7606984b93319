"""The clients agent applications use, unmodified, against a real `paramstack serve` on the local engine:
the `openai` SDK (forced tool calls, `parse` with a pydantic model, streamed tool calls), the `openai-agents`
SDK with `OpenAIChatCompletionsModel` and a function tool, `langchain-openai` (`bind_tools`,
`with_structured_output`) and lm-evaluation-harness (a loglikelihood task through `/v1/completions`).

The test model is a random tiny model: constrained decoding guarantees the shape of its JSON, not the sense
of the values, so the tests check shapes, schemas and the protocol. Every policy (default, medical, legal)
passes the same tests: a disclaimer never lands inside JSON or tool-call arguments."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import openai
import pytest
from pydantic import BaseModel, Field

MODEL = "paramstack-tiny"
TENANTS = ["org_ailydian", "org_medical", "org_legal"]
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "maxLength": 12}},
            "required": ["city"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}
pytestmark = pytest.mark.parametrize("gateway", ["sqlite"], indirect=True)


class City(BaseModel):
    name: Annotated[str, Field(max_length=10)]
    population: Annotated[int, Field(ge=0, le=99999)]


def client(gateway, org: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway.base_url, api_key=gateway.key(org), max_retries=0)


@pytest.mark.parametrize("org", TENANTS)
def test_a_forced_tool_call_validates_streamed_and_not(gateway, org):
    api = client(gateway, org)
    ask = {
        "model": MODEL,
        "tools": [WEATHER],
        "tool_choice": "required",
        "parallel_tool_calls": False,
        "max_tokens": 120,
        "messages": [{"role": "user", "content": "Weather in Ankara?"}],
    }
    reply = api.chat.completions.create(**ask)
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls", choice
    [call] = choice.message.tool_calls
    assert call.type == "function" and call.function.name == "get_weather" and call.id
    arguments = json.loads(call.function.arguments)
    assert set(arguments) == {"city"} and isinstance(arguments["city"], str) and len(arguments["city"]) <= 12
    assert choice.message.content is None  # only a call: no text (and no disclaimer in it)
    with api.chat.completions.stream(**{k: v for k, v in ask.items()}) as stream:
        final = stream.get_final_completion()
    [streamed] = final.choices[0].message.tool_calls
    assert json.loads(streamed.function.arguments).keys() == {"city"}
    assert final.choices[0].finish_reason == "tool_calls"
    named = api.chat.completions.create(
        **{**ask, "tool_choice": {"type": "function", "function": {"name": "get_weather"}}}
    )
    assert named.choices[0].message.tool_calls[0].function.name == "get_weather"
    assert (
        reply.usage.prompt_tokens
        > api.chat.completions.create(model=MODEL, max_tokens=1, messages=ask["messages"]).usage.prompt_tokens
    )  # tools count as prompt


@pytest.mark.parametrize("org", TENANTS)
def test_parse_with_a_pydantic_model_always_parses(gateway, org):
    api = client(gateway, org)
    for _ in range(3):
        parsed = api.chat.completions.parse(
            model=MODEL, response_format=City, max_tokens=120, messages=[{"role": "user", "content": "A Turkish city?"}]
        )
        assert isinstance(parsed.choices[0].message.parsed, City), parsed


def test_json_object_is_always_an_object(gateway):
    reply = client(gateway, "org_medical").chat.completions.create(
        model=MODEL,
        max_tokens=60,
        response_format={"type": "json_object"},
        messages=[{"role": "user", "content": "Answer in JSON."}],
    )
    choice = reply.choices[0]
    if choice.finish_reason == "stop":
        assert isinstance(json.loads(choice.message.content), dict)
    else:  # cut by max_tokens: says so, and never claims a finished JSON
        assert choice.finish_reason == "length"


def test_openai_agents_calls_the_tool_and_finishes(gateway):
    from agents import Agent, ModelSettings, OpenAIChatCompletionsModel, Runner, function_tool, set_tracing_disabled

    set_tracing_disabled(True)
    cities: list[str] = []

    @function_tool
    def get_weather(city: Annotated[str, Field(max_length=12)]) -> str:
        """The weather in a city."""
        cities.append(city)
        return "sunny"

    model = OpenAIChatCompletionsModel(
        model=MODEL,
        openai_client=openai.AsyncOpenAI(base_url=gateway.base_url, api_key=gateway.key("org_medical"), max_retries=0),
    )
    agent = Agent(
        name="weather",
        instructions="Use the tool.",
        tools=[get_weather],
        model=model,
        model_settings=ModelSettings(tool_choice="required", parallel_tool_calls=False, max_tokens=80),
    )
    result = asyncio.run(Runner.run(agent, "Weather in Ankara?", max_turns=4))
    assert len(cities) == 1  # the tool ran once; then the SDK reset tool_choice and the model answered
    assert isinstance(result.final_output, str)


def test_langchain_bind_tools_and_structured_output(gateway):
    from langchain_core.tools import tool
    from langchain_openai import ChatOpenAI

    @tool
    def get_weather(city: Annotated[str, Field(max_length=12)]) -> str:
        """The weather in a city."""
        return "sunny"

    chat = ChatOpenAI(
        model=MODEL, base_url=gateway.base_url, api_key=gateway.key("org_legal"), max_retries=0, max_tokens=120
    )
    message = chat.bind_tools([get_weather], tool_choice="any", parallel_tool_calls=False).invoke("Weather?")
    assert [c["name"] for c in message.tool_calls] == ["get_weather"]
    assert set(message.tool_calls[0]["args"]) == {"city"}
    assert isinstance(chat.with_structured_output(City).invoke("A city?"), City)


@pytest.mark.parametrize("org", ["org_ailydian", "org_medical"])
def test_lm_evaluation_harness_runs_a_loglikelihood_task(gateway, tiny_model, org, tmp_path):
    model_dir, _ = tiny_model
    data = Path(__file__).parent / "lm_eval_task" / "qa.jsonl"
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "paramstack_tiny_qa.yaml").write_text(
        "task: paramstack_tiny_qa\ndataset_path: json\n"
        f"dataset_kwargs:\n  data_files:\n    test: {data}\n"
        "test_split: test\noutput_type: multiple_choice\n"
        'doc_to_text: "Question: {{question}}\\nAnswer:"\ndoc_to_choice: "{{choices}}"\ndoc_to_target: "{{answer}}"\n'
        "metric_list:\n  - metric: acc\n    aggregation: mean\n    higher_is_better: true\nmetadata:\n  version: 1.0\n",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "OPENAI_API_KEY": gateway.key(org),
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }
    args = (
        f"base_url={gateway.base_url}/completions,model={MODEL},tokenizer={model_dir},"
        "tokenizer_backend=huggingface,num_concurrent=2,max_retries=1,timeout=60"
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "lm_eval",
            "--model",
            "local-completions",
            "--model_args",
            args,
            "--tasks",
            "paramstack_tiny_qa",
            "--include_path",
            str(tmp_path / "tasks"),
            "--output_path",
            str(tmp_path / "out"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    [results_file] = (tmp_path / "out").rglob("results_*.json")
    results = json.loads(results_file.read_text())["results"]["paramstack_tiny_qa"]
    assert 0.0 <= results["acc,none"] <= 1.0
