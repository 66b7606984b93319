"""Constrained decoding on a real (tiny, random) model: forced tool calls and JSON answers always parse and
validate, a cut is reported as "length", and constrained rows batch with free rows and other adapters."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
import tiny_models
from streams import Completion, collect

from paramstack.engine.local import LocalEngine
from paramstack.engine.protocol import (
    ChatMessage,
    GenerationRequest,
    OutputFormat,
    SamplingParams,
    TokenLogprob,
    ToolCall,
    ToolChoice,
    ToolSpec,
)

WEATHER = ToolSpec(
    "get_weather",
    "Weather of a city",
    {
        "type": "object",
        "properties": {"city": {"type": "string", "maxLength": 8}, "unit": {"enum": ["c", "f"]}},
        "required": ["city", "unit"],
    },
)
ADD = ToolSpec(
    "add",
    None,
    {
        "type": "object",
        "properties": {"a": {"type": "integer", "minimum": 0, "maximum": 99}, "b": {"type": "boolean"}},
        "required": ["a", "b"],
        "additionalProperties": False,
    },
)
NESTED = ToolSpec(
    "book",
    "Book a table",
    {
        "type": "object",
        "properties": {
            "party": {
                "type": "object",
                "properties": {
                    "size": {"enum": [2, 4]},
                    "names": {"type": "array", "maxItems": 2, "items": {"enum": ["ayşe", "ali"]}},
                },
                "required": ["size", "names"],
            }
        },
        "required": ["party"],
    },
)
ANSWER = {
    "type": "object",
    "properties": {"ok": {"type": "boolean"}, "label": {"enum": ["evet", "hayır"]}},
    "required": ["ok", "label"],
}


@pytest.fixture(scope="module")
def long_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test tokenizer spells JSON punctuation byte by byte: tools need more room than 256 positions."""
    return tiny_models.build_model(tmp_path_factory.mktemp("long-model"), max_positions=2048)


@pytest.fixture(scope="module")
def tool_engine(long_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalEngine]:
    root = tmp_path_factory.mktemp("long-adapters")
    for seed, name in enumerate(("support", "legal"), start=200):
        tiny_models.build_adapter(long_model_dir, root / name, seed=seed)
    engine = LocalEngine(long_model_dir, adapters_dir=root, max_batch_size=8)
    yield engine
    asyncio.run(engine.aclose())


def chat(
    text: str = "hello world",
    *,
    adapter: str | None = None,
    max_tokens: int = 120,
    temperature: float = 0.0,
    seed: int | None = None,
    **fields: object,
) -> GenerationRequest:
    return GenerationRequest(
        request_id=f"req-{uuid.uuid4().hex[:8]}",
        model="tiny",
        messages=[ChatMessage("user", text)],
        adapter=adapter,
        sampling=SamplingParams(max_tokens=max_tokens, temperature=temperature, seed=seed),
        **fields,  # type: ignore[arg-type]
    )


def calls_of(completion: Completion) -> list[dict[str, str]]:
    """Reassemble streamed deltas as an OpenAI client does; check OpenAI's piece rules on the way."""
    calls: dict[int, dict[str, str]] = {}
    for chunk in completion.chunks:
        for delta in chunk.tool_calls:
            if delta.index not in calls:
                assert delta.id and delta.name, "the first piece of a call carries its id and name"
                calls[delta.index] = {"id": delta.id, "name": delta.name, "arguments": ""}
            else:
                assert delta.id is None and delta.name is None
            calls[delta.index]["arguments"] += delta.arguments
    return [calls[i] for i in sorted(calls)]


def run(engine: LocalEngine, request: GenerationRequest) -> Completion:
    return asyncio.run(collect(engine, request))


@pytest.mark.parametrize(
    "tools, choice",
    [
        ((WEATHER,), ToolChoice("required")),
        ((ADD,), ToolChoice("required")),
        ((NESTED,), ToolChoice("required")),
        ((WEATHER, ADD, NESTED), ToolChoice("required")),
        ((WEATHER, ADD), ToolChoice("required", name="add")),
    ],
)
@pytest.mark.parametrize("seed", [None, 1, 2])
def test_a_forced_tool_call_always_parses_and_validates(tool_engine: LocalEngine, tools, choice, seed) -> None:
    sampled = {"temperature": 1.0, "seed": seed} if seed is not None else {}
    completion = run(tool_engine, chat(tools=tools, tool_choice=choice, parallel_tool_calls=False, **sampled))
    assert completion.last.finish_reason == "tool_calls"
    assert completion.text == ""
    (call,) = calls_of(completion)
    spec = {t.name: t for t in tools}[call["name"]]
    if choice.name is not None:
        assert call["name"] == choice.name
    arguments = json.loads(call["arguments"])
    jsonschema.validate(arguments, spec.parameters)
    # Compact JSON, byte for byte as generated: the deltas reassemble to exactly the canonical text.
    assert call["arguments"] == json.dumps(arguments, ensure_ascii=False, separators=(",", ":"))


@pytest.mark.parametrize(
    "output, schema",
    [
        (OutputFormat("json_schema", schema=ANSWER), ANSWER),
        (OutputFormat("json_schema", schema=NESTED.parameters), NESTED.parameters),
        (OutputFormat("json_schema", schema={"type": "array", "items": {"type": "boolean"}, "maxItems": 3}), None),
    ],
)
def test_json_schema_answers_are_valid_json(tool_engine: LocalEngine, output: OutputFormat, schema) -> None:
    for seed in (None, 3, 4):
        sampled = {"temperature": 1.0, "seed": seed} if seed is not None else {}
        completion = run(tool_engine, chat(output_format=output, **sampled))
        assert completion.last.finish_reason == "stop"
        jsonschema.validate(json.loads(completion.text), schema or output.schema)


def test_json_object_answers_are_objects_or_cut(tool_engine: LocalEngine) -> None:
    for seed in (None, 5, 6, 7):
        sampled = {"temperature": 1.0, "seed": seed} if seed is not None else {}
        completion = run(tool_engine, chat(output_format=OutputFormat("json_object"), max_tokens=60, **sampled))
        assert completion.text.startswith("{")
        if completion.last.finish_reason == "stop":
            assert isinstance(json.loads(completion.text), dict)
        else:  # an unbounded object may run out of tokens: said, never passed off as finished JSON
            assert completion.last.finish_reason == "length"


def test_a_call_cut_by_max_tokens_says_length(tool_engine: LocalEngine) -> None:
    completion = run(tool_engine, chat(tools=(WEATHER,), tool_choice=ToolChoice("required"), max_tokens=8))
    assert completion.last.finish_reason == "length"
    assert completion.last.completion_tokens == 8
    json_cut = run(tool_engine, chat(output_format=OutputFormat("json_schema", schema=ANSWER), max_tokens=4))
    assert json_cut.last.finish_reason == "length"
    with pytest.raises(ValueError):
        json.loads(json_cut.text)


def test_constrained_and_free_rows_of_two_adapters_batch_and_match_their_solo_runs(tool_engine: LocalEngine) -> None:
    requests = [
        chat("hello", tools=(WEATHER, ADD), tool_choice=ToolChoice("required"), adapter="support"),
        chat("the model", adapter="legal", max_tokens=30),
        chat("world", output_format=OutputFormat("json_schema", schema=ANSWER), adapter="legal"),
        chat("tenants", adapter=None, max_tokens=30),
        chat("okul", tools=(ADD,), tool_choice=ToolChoice("required"), adapter=None, temperature=1.0, seed=11),
        chat("kitap", output_format=OutputFormat("json_object"), adapter="support", max_tokens=40),
    ]
    solo = [run(tool_engine, r) for r in requests]
    before = tool_engine.stats()

    async def together() -> list[Completion]:
        return list(await asyncio.gather(*(collect(tool_engine, r) for r in requests)))

    batched = asyncio.run(together())
    after = tool_engine.stats()
    assert after.mixed_adapter_steps > before.mixed_adapter_steps
    assert after.max_batch_size_observed >= 4
    for alone, mixed in zip(solo, batched, strict=True):
        assert mixed.text == alone.text
        assert [(c["name"], c["arguments"]) for c in calls_of(mixed)] == [
            (c["name"], c["arguments"]) for c in calls_of(alone)
        ]
        assert mixed.last.finish_reason == alone.last.finish_reason


def test_auto_tool_choice_lets_the_model_answer_in_text(tool_engine: LocalEngine) -> None:
    free = run(tool_engine, chat(max_tokens=20, tools=(WEATHER,), tool_choice=ToolChoice("none"), logprobs=2))
    auto = run(tool_engine, chat(max_tokens=20, tools=(WEATHER,), logprobs=2))
    # A random model does not open a tool call on its own: the auto grammar leaves its text alone.
    assert auto.text == free.text and auto.last.finish_reason == free.last.finish_reason
    assert calls_of(auto) == []
    # ... and its logprobs are those of the unconstrained row: the raw distribution, token for token.
    auto_entries = [e for chunk in auto.chunks for e in chunk.logprobs]
    assert auto_entries == [e for chunk in free.chunks for e in chunk.logprobs]
    assert "".join(e.token for e in auto_entries) == auto.text


def test_prompt_tokens_count_the_tools_section(tool_engine: LocalEngine) -> None:
    plain = asyncio.run(tool_engine.count_prompt_tokens(chat()))
    with_tools = asyncio.run(tool_engine.count_prompt_tokens(chat(tools=(WEATHER, ADD))))
    history = GenerationRequest(
        request_id="h",
        model="tiny",
        tools=(WEATHER,),
        messages=[
            ChatMessage("user", "hello"),
            ChatMessage("assistant", "", tool_calls=(ToolCall("call_1", "get_weather", '{"city":"x","unit":"c"}'),)),
            ChatMessage("tool", "12", tool_call_id="call_1"),
        ],
    )
    with_turns = asyncio.run(tool_engine.count_prompt_tokens(history))
    assert with_tools > plain + len(json.dumps(WEATHER.parameters)) // 2
    completion = run(tool_engine, chat(tools=(WEATHER, ADD), max_tokens=3))
    assert completion.last.prompt_tokens == with_tools
    assert with_turns > asyncio.run(tool_engine.count_prompt_tokens(chat(tools=(WEATHER,))))


def test_an_auto_row_that_opens_a_call_streams_it_and_finishes_with_tool_calls(
    tool_engine: LocalEngine, long_model_dir: Path
) -> None:
    """What a model that decides to call a tool writes, fed token by token through the auto grammar and a
    row: every token is allowed, the text before the call is content, the call comes out as deltas."""
    import threading

    import torch
    import xgrammar
    from transformers import AutoTokenizer

    from paramstack.engine.detokenizer import IncrementalDetokenizer
    from paramstack.engine.grammars import GrammarBook, plan_for
    from paramstack.engine.rows import Row
    from paramstack.engine.sampling import RowSampler
    from paramstack.engine.tool_calls import ToolCallParser

    tokenizer = AutoTokenizer.from_pretrained(long_model_dir)
    request = chat(tools=(WEATHER, ADD))
    plan = plan_for(request)
    assert plan is not None and plan.parses_tool_calls and not plan.forced
    book = GrammarBook(tokenizer, threading.Lock(), len(tokenizer), tool_engine.stop_token_ids)
    posted: list = []

    class Sink:
        flush = staticmethod(lambda: None)

        def post(self, item) -> None:
            posted.append(item)

    prompt_ids = [tokenizer.bos_token_id]
    row = Row(
        request_id="auto",
        prompt_ids=prompt_ids,
        adapter=None,
        params=request.sampling,
        sink=Sink(),
        detokenizer=IncrementalDetokenizer(lambda ids: tokenizer.decode(ids, skip_special_tokens=True), prompt_ids),
        stop_token_ids=tool_engine.stop_token_ids,
        sampler=RowSampler(request.sampling),
        matcher=book.matcher(book.compiled(plan)),
        tool_parser=ToolCallParser(),
        logprobs=0,
    )
    written = 'hello world <tool_call>{"name":"get_weather","arguments":{"city":"ali","unit":"c"}}</tool_call>'
    ids = tokenizer(written, add_special_tokens=False)["input_ids"]
    ids.append(tokenizer.convert_tokens_to_ids("<|end|>"))
    bitmask = xgrammar.allocate_token_bitmask(1, len(tokenizer))
    for step, token in enumerate(ids):
        row.matcher.fill_next_token_bitmask(bitmask)
        logits = torch.zeros(1, len(tokenizer))
        xgrammar.apply_token_bitmask_inplace(logits, bitmask)
        assert logits[0, token] == 0, f"the auto grammar refused {tokenizer.convert_ids_to_tokens(token)!r}"
        chunk = row.accept(token, TokenLogprob(token="", logprob=-float(step)))
        if chunk is not None:
            posted.append(chunk)
    completion = Completion(posted)
    assert completion.text.strip() == "hello world"
    assert [(c["name"], c["arguments"]) for c in calls_of(completion)] == [("get_weather", '{"city":"ali","unit":"c"}')]
    assert completion.last.finish_reason == "tool_calls"
    # logprobs cover the content only (OpenAI's logprobs.content), each entry its share of the text
    entries = [e for chunk in completion.chunks for e in chunk.logprobs]
    assert "".join(e.token for e in entries) == completion.text
    assert 0 < len(entries) < len(ids)
    assert [e.logprob for e in entries] == sorted((e.logprob for e in entries), reverse=True)  # in order


@pytest.mark.parametrize(
    "fields",
    [
        {"output_format": OutputFormat("json_schema", schema=WEATHER.parameters)},
        {"tools": (WEATHER,), "tool_choice": ToolChoice("required"), "parallel_tool_calls": False},
    ],
)
def test_a_model_that_loves_control_bytes_and_special_tokens_still_writes_valid_json(
    tool_engine: LocalEngine, long_model_dir: Path, fields
) -> None:
    """Logits that favour byte tokens of control characters (xgrammar alone lets ``<0x02>`` into JSON
    strings) and special tokens (their text vanishes from the output) by a wide margin, step after step."""
    import threading

    import torch
    from transformers import AutoTokenizer

    from paramstack.engine.detokenizer import IncrementalDetokenizer
    from paramstack.engine.grammars import GrammarBook, plan_for
    from paramstack.engine.rows import Row
    from paramstack.engine.sampling import RowSampler
    from paramstack.engine.token_choice import choose_tokens
    from paramstack.engine.token_logprobs import TokenTexts
    from paramstack.engine.tool_calls import ToolCallParser

    tokenizer = AutoTokenizer.from_pretrained(long_model_dir)
    lock = threading.Lock()
    request = chat(max_tokens=160, **fields)
    plan = plan_for(request)
    assert plan is not None
    book = GrammarBook(tokenizer, lock, len(tokenizer), tool_engine.stop_token_ids)
    lures = [
        i
        for t, i in tokenizer.get_vocab().items()
        if t in ("<s>", "</s>", "<unk>", "<|user|>") or (t.startswith("<0x") and int(t[3:5], 16) < 0x20)
    ]

    class Sink:
        flush = staticmethod(lambda: None)

        def post(self, item) -> None:
            posted.append(item)

    posted: list = []
    prompt_ids = [tokenizer.bos_token_id]
    row = Row(
        request_id="lure",
        prompt_ids=prompt_ids,
        adapter=None,
        params=request.sampling,
        sink=Sink(),
        detokenizer=IncrementalDetokenizer(lambda ids: tokenizer.decode(ids, skip_special_tokens=True), prompt_ids),
        stop_token_ids=tool_engine.stop_token_ids,
        sampler=RowSampler(request.sampling),
        matcher=book.matcher(book.compiled(plan)),
        control_token_ids=book.control_token_ids(),
        tool_parser=ToolCallParser() if plan.parses_tool_calls else None,
    )
    generator = torch.Generator().manual_seed(0)
    while not row.done:
        logits = torch.randn(1, len(tokenizer), generator=generator)
        logits[0, lures] += 50.0
        (token,), _ = choose_tokens([row], logits, TokenTexts(tokenizer, lock))
        chunk = row.accept(token)
        if chunk is not None:
            posted.append(chunk)
    completion = Completion(posted)
    if plan.parses_tool_calls:
        (call,) = calls_of(completion)
        assert completion.last.finish_reason == "tool_calls"
        jsonschema.validate(json.loads(call["arguments"]), WEATHER.parameters)
    else:
        assert completion.last.finish_reason == "stop"
        jsonschema.validate(json.loads(completion.text), WEATHER.parameters)
