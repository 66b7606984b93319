"""Logprobs from a vLLM-shaped server: chat's ``logprobs.content[]``, completions' lists, and ``echo``."""

from __future__ import annotations

import pytest
from upstream_client import chat, completion, serving, text

from paramstack.engine.protocol import SamplingParams, TokenLogprob, ToolSpec


@pytest.fixture()
def vllm():
    with serving() as upstream:
        yield upstream


def sent_chat_logprobs(answer) -> list[TokenLogprob]:
    events = answer if isinstance(answer, list) else [answer]
    entries = [e for event in events for c in event["choices"] for e in (c.get("logprobs") or {}).get("content") or ()]
    return [
        TokenLogprob(e["token"], e["logprob"], tuple((t["token"], t["logprob"]) for t in e["top_logprobs"]))
        for e in entries
    ]


@pytest.mark.parametrize("incremental", [True, False])
def test_chat_logprobs_come_with_their_tokens(vllm, incremental):
    chunks = vllm.generate(chat("hi", logprobs=2, incremental=incremental))
    got = [entry for chunk in chunks for entry in chunk.logprobs]
    assert got == sent_chat_logprobs(vllm.standin.answers[-1])
    assert "".join(entry.token for entry in got) == text(chunks) == "Hello from the vLLM stand-in."
    assert all(len(entry.top) == 2 and entry.top[0][1] >= entry.top[1][1] for entry in got)
    if incremental:  # each chunk carries the logprobs of its own text
        assert all("".join(e.token for e in c.logprobs) == c.text for c in chunks)


def test_no_logprobs_unless_asked(vllm):
    chunks = vllm.generate(chat("hi"))
    assert not any(chunk.logprobs for chunk in chunks)


@pytest.mark.parametrize("incremental", [True, False])
def test_completion_logprobs_keep_the_best_alternatives_first(vllm, incremental):
    chunks = vllm.generate(completion("Once upon a time", logprobs=3, incremental=incremental))
    got = [entry for chunk in chunks for entry in chunk.logprobs]
    assert "".join(e.token for e in got) == text(chunks) == "Hello from the vLLM stand-in."
    assert all(
        e.logprob is not None
        and [v for _, v in e.top] == sorted((v for _, v in e.top), reverse=True)
        and len(e.top) == 3
        for e in got
    )
    assert not any(chunk.prompt_logprobs for chunk in chunks)


@pytest.mark.parametrize("prompt", ["The capital of France is", (464, 3139, 286, 4881, 318)])
def test_echo_gives_the_prompt_logprobs_apart_from_the_answer(vllm, prompt):
    # lm-evaluation-harness's loglikelihood requests: logprobs, echo, one token.
    chunks = vllm.generate(completion(prompt, logprobs=1, echo=True, sampling=SamplingParams(max_tokens=1)))
    echoed = [e for chunk in chunks for e in chunk.prompt_logprobs]
    answer = [e for chunk in chunks for e in chunk.logprobs]
    assert vllm.body["echo"] is True and vllm.body["stream"] is False
    assert len(echoed) == len(prompt if isinstance(prompt, tuple) else prompt.split())
    assert echoed[0].logprob is None and all(e.logprob is not None for e in echoed[1:])
    if isinstance(prompt, str):
        assert "".join(e.token for e in echoed) == prompt
    assert [e.token for e in answer] == ["Hello"] and text(chunks) == "Hello"
    assert chunks[-1].finish_reason == "length"


def test_echo_without_logprobs_still_cuts_the_prompt_off_the_text(vllm):
    chunks = vllm.generate(completion((5, 6, 7), echo=True, sampling=SamplingParams(max_tokens=2)))
    assert vllm.body["logprobs"] == 0  # asked for, to find where the prompt ends
    assert text(chunks) == "Hello from"
    assert not any(chunk.logprobs for chunk in chunks)
    # The echoed prompt's tokens still come (the gateway echoes their text; it sends logprobs only if asked).
    assert [e.token for c in chunks for e in c.prompt_logprobs] == ["<5>", "<6>", "<7>"]


@pytest.mark.parametrize("incremental", [True, False])
def test_a_tool_calls_tokens_bring_no_text_logprobs(vllm, incremental):
    weather = ToolSpec("get_weather", None, {"type": "object", "properties": {"city": {"type": "string"}}})
    chunks = vllm.generate(chat("Weather?", tools=(weather,), logprobs=1, incremental=incremental))
    assert any(c.tool_calls for c in chunks) and sent_chat_logprobs(vllm.standin.answers[-1])  # vLLM sent some
    assert not any(c.logprobs for c in chunks)  # as OpenAI: logprobs belong to content tokens
