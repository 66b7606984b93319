"""logprobs from the real logits, echoed prompt logprobs, token-id prompts, and the inputs the local model
refuses (media parts, foreign token ids, schemas the decoder cannot enforce) with a clear 400."""

from __future__ import annotations

import asyncio

import pytest
import torch
from streams import collect, request
from transformers import AutoModelForCausalLM, AutoTokenizer

from paramstack.engine.local import LocalEngine
from paramstack.engine.protocol import (
    ChatMessage,
    ContentPart,
    GenerationRequest,
    OutputFormat,
    SamplingParams,
    ToolChoice,
    ToolSpec,
)
from paramstack.errors import InvalidRequest

PROMPT = "the model serves many tenants with"


@pytest.fixture(scope="module")
def direct(model_dir):
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    return tokenizer, AutoModelForCausalLM.from_pretrained(model_dir).eval()


def log_softmax_rows(model, ids: list[int]) -> torch.Tensor:
    with torch.no_grad():
        return torch.log_softmax(model(input_ids=torch.tensor([ids])).logits[0].float(), dim=-1)


def completion_request(prompt, **fields) -> GenerationRequest:
    base = request(PROMPT, max_tokens=fields.pop("max_tokens", 8))
    return GenerationRequest(request_id=base.request_id, model="tiny", prompt=prompt, sampling=base.sampling, **fields)


def test_logprobs_match_a_direct_forward_pass(engine: LocalEngine, direct) -> None:
    tokenizer, model = direct
    completion = asyncio.run(collect(engine, completion_request(PROMPT, logprobs=3)))
    entries = [e for chunk in completion.chunks for e in chunk.logprobs]
    assert len(entries) == completion.last.completion_tokens
    assert "".join(e.token for e in entries) == completion.text  # pieces spell the text: offsets work
    prompt_ids = tokenizer(PROMPT)["input_ids"]
    ids = list(prompt_ids)
    for entry in entries:
        step = log_softmax_rows(model, ids)[-1]
        chosen = int(step.argmax())  # greedy: the engine chose the argmax of the same distribution
        assert entry.logprob == pytest.approx(float(step[chosen]), abs=1e-4)
        best = step.topk(3)
        assert [v for _, v in entry.top] == pytest.approx(best.values.tolist(), abs=1e-4)
        ids.append(chosen)
    assert entries[0].top[0][1] == pytest.approx(entries[0].logprob, abs=1e-6)


def test_echo_returns_the_prompt_logprobs_teacher_forced(engine: LocalEngine, direct) -> None:
    tokenizer, model = direct
    # lm-evaluation-harness's loglikelihood request: echo, logprobs 1, max_tokens 1, greedy.
    completion = asyncio.run(collect(engine, completion_request(PROMPT, logprobs=1, echo=True, max_tokens=1)))
    prompt_ids = tokenizer(PROMPT)["input_ids"]
    echoed = completion.chunks[0].prompt_logprobs
    assert len(echoed) == len(prompt_ids) == completion.last.prompt_tokens
    assert echoed[0].logprob is None
    assert "".join(e.token for e in echoed) == tokenizer.decode(prompt_ids, skip_special_tokens=True)
    rows = log_softmax_rows(model, prompt_ids)
    for position, entry in enumerate(echoed[1:], start=1):
        assert entry.logprob == pytest.approx(float(rows[position - 1, prompt_ids[position]]), abs=1e-4)
        assert entry.top[0][1] == pytest.approx(float(rows[position - 1].max()), abs=1e-4)
    assert all(not chunk.prompt_logprobs for chunk in completion.chunks[1:])
    assert len([e for c in completion.chunks for e in c.logprobs]) == 1


def test_token_id_prompts_generate_like_their_text(engine: LocalEngine, direct) -> None:
    tokenizer, _ = direct
    ids = tuple(tokenizer(PROMPT)["input_ids"])
    by_text = asyncio.run(collect(engine, completion_request(PROMPT)))
    by_ids = asyncio.run(collect(engine, completion_request(ids)))
    assert by_ids.text == by_text.text
    assert by_ids.last.prompt_tokens == len(ids)


@pytest.mark.parametrize("bad", [(1, 2, 10**6), (1, -1), (1, True)])
def test_token_ids_outside_the_vocabulary_are_refused(engine: LocalEngine, bad) -> None:
    with pytest.raises(InvalidRequest) as refused:
        asyncio.run(engine.count_prompt_tokens(completion_request(bad)))
    assert refused.value.param == "prompt"
    assert "token id" in refused.value.message


@pytest.mark.parametrize(
    "kind, sent, word", [("image", "image_url", "image"), ("audio", "input_audio", "audio"), ("file", "file", "file")]
)
def test_media_parts_get_a_clear_400_naming_the_part_and_the_model(engine: LocalEngine, kind, sent, word) -> None:
    parts = (ContentPart("text", text="what is this?"), ContentPart(kind, source={"type": sent, sent: {}}))
    messages = [ChatMessage("system", "be brief"), ChatMessage("user", "what is this?", parts=parts)]
    req = GenerationRequest(request_id="m", model="tiny", messages=messages)
    with pytest.raises(InvalidRequest) as refused:
        asyncio.run(engine.count_prompt_tokens(req))
    assert refused.value.param == "messages"
    assert f"cannot read {word} content" in refused.value.message
    assert f"messages[1].content[1] is an {sent} part" in refused.value.message
    assert repr(engine.name) in refused.value.message


@pytest.mark.parametrize(
    "fields, param",
    [
        (
            {
                "output_format": OutputFormat(
                    "json_schema", schema={"type": "object", "properties": {"a": {"not": {"type": "string"}}}}
                )
            },
            "response_format",
        ),
        (
            {"output_format": OutputFormat("json_schema", schema={"type": "array", "uniqueItems": True})},
            "response_format",
        ),
        ({"output_format": OutputFormat("json_schema", schema={"type": "nonsense"})}, "response_format"),
        (
            {
                "output_format": OutputFormat(
                    "json_schema", schema={"type": "object", "properties": {"a": {"$ref": "#/$defs/missing"}}}
                )
            },
            "response_format",
        ),
        ({"tools": (ToolSpec("f", None, {"type": "object", "allOf": [{"required": ["a"]}]}),)}, "tools"),
        ({"tools": (ToolSpec("f"),), "tool_choice": ToolChoice("required", name="g")}, "tool_choice"),
        (
            {"tools": (ToolSpec("f", None, {"type": "object", "default": {1, 2}}),), "tool_choice": ToolChoice("none")},
            "tools",
        ),
    ],
)
def test_schemas_the_decoder_cannot_enforce_are_refused(engine: LocalEngine, fields, param) -> None:
    req = GenerationRequest(
        request_id="s",
        model="tiny",
        messages=[ChatMessage("user", "hi")],
        sampling=SamplingParams(max_tokens=4),
        **fields,
    )
    with pytest.raises(InvalidRequest) as refused:
        asyncio.run(engine.count_prompt_tokens(req))
    assert refused.value.param == param


def test_a_property_named_like_a_keyword_is_fine(engine: LocalEngine) -> None:
    schema = {"type": "object", "properties": {"not": {"type": "boolean"}}, "required": ["not"]}
    req = GenerationRequest(
        request_id="k",
        model="tiny",
        messages=[ChatMessage("user", "hi")],
        sampling=SamplingParams(max_tokens=4),
        output_format=OutputFormat("json_schema", schema=schema),
    )
    assert asyncio.run(engine.count_prompt_tokens(req)) > 0


def test_the_engine_says_what_it_supports(engine: LocalEngine) -> None:
    assert engine.capabilities() == {"tools": True, "structured_outputs": True, "vision": False, "logprobs": True}
