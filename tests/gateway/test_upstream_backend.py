"""The OpenAI-compatible upstream backend, against a real server: a second gateway relays to the first."""

from __future__ import annotations

import json

import openai
import pytest

from tests.gateway_process import start_gateway


@pytest.fixture(scope="module")
def relay(gateway, tmp_path_factory):
    config = {
        "models": [
            {
                "name": "relay",
                "backend": "openai",
                "base_url": gateway.base_url.removesuffix("/v1"),
                "upstream_model": "paramstack-tiny",
                "api_key": gateway.key("org_medical"),
            }
        ]
    }
    server = start_gateway(tmp_path_factory.mktemp("relay"), config, init_args=())
    added = server.cli("tenants", "add", "org_edge", "--name", "Edge", "--json")
    assert added.returncode == 0, added.stderr
    key = json.loads(server.cli("keys", "create", "--tenant", "org_edge", "--json").stdout)["api_key"]
    yield server, key
    server.stop()


def test_relay_answers_like_the_upstream(gateway, relay):
    server, key = relay
    messages = [{"role": "user", "content": "Ailydian AI Ecosystem nedir?"}]
    direct = openai.OpenAI(base_url=gateway.base_url, api_key=gateway.key("org_medical"), max_retries=0)
    relayed = openai.OpenAI(base_url=server.base_url, api_key=key, max_retries=0)
    expected = direct.chat.completions.create(model="paramstack-tiny", messages=messages, max_tokens=12, temperature=0)
    got = relayed.chat.completions.create(model="relay", messages=messages, max_tokens=12, temperature=0)
    assert got.choices[0].message.content == expected.choices[0].message.content
    assert got.usage.completion_tokens == expected.usage.completion_tokens
    assert got.usage.prompt_tokens == expected.usage.prompt_tokens
    streamed = relayed.chat.completions.create(
        model="relay", messages=messages, max_tokens=12, temperature=0, stream=True
    )
    assert "".join(c.choices[0].delta.content or "" for c in streamed if c.choices) == got.choices[0].message.content


def test_upstream_errors_become_clear_client_errors(relay):
    server, key = relay
    relayed = openai.OpenAI(base_url=server.base_url, api_key=key, max_retries=0)
    with pytest.raises(openai.BadRequestError) as too_long:
        relayed.chat.completions.create(
            model="relay", messages=[{"role": "user", "content": "söz " * 3000}], max_tokens=4
        )
    assert too_long.value.body["code"] == "context_length_exceeded"
