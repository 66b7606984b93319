"""The vLLM stand-in is only worth its tests if real clients read it as they read vLLM: the openai SDK here."""

from __future__ import annotations

import json

import openai
import pytest
from pydantic import BaseModel
from tests.vllm_standin import VllmStandin
from upstream_client import serving

TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


class City(BaseModel):
    name: str
    population: int
    landmarks: list[str]


@pytest.fixture()
def client():
    with serving() as vllm:
        yield openai.OpenAI(base_url=vllm.url + "/v1", api_key="none", max_retries=0)


def test_the_sdk_accumulates_streamed_tool_calls(client):
    with client.chat.completions.stream(
        model="base", tools=[TOOL], messages=[{"role": "user", "content": "Weather in Paris?"}]
    ) as stream:
        final = stream.get_final_completion()
    [call] = final.choices[0].message.tool_calls
    assert call.id.startswith("chatcmpl-tool-") and call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    assert final.choices[0].finish_reason == "tool_calls"


def test_the_sdk_parses_structured_output(client):
    completion = client.chat.completions.parse(
        model="base", response_format=City, messages=[{"role": "user", "content": "A city?"}]
    )
    assert completion.choices[0].message.parsed == City(name="Paris", population=1, landmarks=["Paris"])


def test_the_sdk_reads_vllms_400():
    with serving(VllmStandin(vision=False)) as vllm:
        client = openai.OpenAI(base_url=vllm.url + "/v1", api_key="none", max_retries=0)
        with pytest.raises(openai.BadRequestError, match="not a multimodal model"):
            client.chat.completions.create(
                model="base",
                messages=[
                    {
                        "role": "user",
                        "content": [{"type": "image_url", "image_url": {"url": "https://example.invalid/a.png"}}],
                    }
                ],
            )
