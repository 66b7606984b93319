"""Constrained JSON is valid UTF-8: xgrammar 0.2.9 lets the UTF-8 encodings of surrogates (ED A0..BF xx,
U+D800-U+DFFF, which UTF-8 forbids) into JSON strings; byte-fallback tokens spell them out, decoding turns
the whole run of byte tokens around them into U+FFFD, and the string breaks its maxLength (each surrogate
counts one character to the grammar, three U+FFFD in the text). The engine bans those continuations."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from pathlib import Path

import jsonschema
import pytest
import torch
from streams import Completion, collect
from transformers import AutoTokenizer

from paramstack.engine.detokenizer import IncrementalDetokenizer
from paramstack.engine.grammars import GrammarBook, SurrogateBan, plan_for
from paramstack.engine.local import LocalEngine
from paramstack.engine.protocol import (
    ChatMessage,
    GenerationRequest,
    OutputFormat,
    SamplingParams,
    ToolChoice,
    ToolSpec,
)
from paramstack.engine.rows import Row
from paramstack.engine.sampling import RowSampler
from paramstack.engine.token_choice import choose_tokens
from paramstack.engine.token_logprobs import TokenTexts
from paramstack.engine.tool_calls import ToolCallParser

CITY = {
    "type": "object",
    "properties": {"city": {"type": "string", "maxLength": 12}},
    "required": ["city"],
    "additionalProperties": False,
}
WEATHER = ToolSpec("get_weather", "Weather of a city", CITY)
AS_JSON = {"output_format": OutputFormat("json_schema", schema=CITY)}
AS_CALL = {"tools": (WEATHER,), "tool_choice": ToolChoice("required"), "parallel_tool_calls": False}


def chat(
    max_tokens: int = 120, temperature: float = 0.0, seed: int | None = None, **fields: object
) -> GenerationRequest:
    return GenerationRequest(
        request_id=f"req-{uuid.uuid4().hex[:8]}",
        model="tiny",
        messages=[ChatMessage("user", "weather?")],
        sampling=SamplingParams(max_tokens=max_tokens, temperature=temperature, seed=seed),
        **fields,  # type: ignore[arg-type]
    )


def answer_of(completion: Completion, fields: dict[str, object]) -> str:
    arguments = "".join(delta.arguments for chunk in completion.chunks for delta in chunk.tool_calls)
    shown = f"text {completion.text!r}, arguments {arguments!r}"
    if "tools" in fields:
        assert completion.last.finish_reason == "tool_calls", shown
        return arguments
    assert completion.last.finish_reason == "stop", shown
    return completion.text


def assert_valid(text: str) -> None:
    assert "\ufffd" not in text, text
    jsonschema.validate(json.loads(text), CITY)


class Sink:
    def __init__(self) -> None:
        self.posted: list = []

    flush = staticmethod(lambda: None)

    def post(self, item) -> None:
        self.posted.append(item)


@pytest.fixture(scope="module")
def tokenizer(model_dir: Path):
    return AutoTokenizer.from_pretrained(model_dir)


@pytest.fixture(scope="module")
def book(tokenizer, engine: LocalEngine) -> GrammarBook:
    return GrammarBook(tokenizer, threading.Lock(), len(tokenizer), engine.stop_token_ids)


def new_row(tokenizer, book: GrammarBook, engine: LocalEngine, request: GenerationRequest) -> tuple[Row, Sink]:
    plan = plan_for(request)
    assert plan is not None
    sink, prompt_ids = Sink(), [tokenizer.bos_token_id]
    row = Row(
        request_id=request.request_id,
        prompt_ids=prompt_ids,
        adapter=None,
        params=request.sampling,
        sink=sink,
        detokenizer=IncrementalDetokenizer(lambda ids: tokenizer.decode(ids, skip_special_tokens=True), prompt_ids),
        stop_token_ids=engine.stop_token_ids,
        sampler=RowSampler(request.sampling),
        matcher=book.matcher(book.compiled(plan)),
        control_token_ids=book.control_token_ids(),
        surrogate_ban=book.surrogate_ban(),
        tool_parser=ToolCallParser() if plan.parses_tool_calls else None,
    )
    return row, sink


def byte_ids(tokenizer, first: int, last: int) -> list[int]:
    return [tokenizer.convert_tokens_to_ids(f"<0x{b:02X}>") for b in range(first, last + 1)]


def test_the_ban_reads_token_bytes_so_byte_level_vocabularies_are_covered_too() -> None:
    ban = SurrogateBan.of([b"a\xed", b"\xa0b", b"\x9f", b"\xed", b"\xbf", b"", b"\xe2\x80"])
    assert ban.leads == {0, 3}
    assert ban.tails.tolist() == [1, 4]
    assert ban.banned_after(0) is ban.tails and ban.banned_after(6) is None and ban.banned_after(-1) is None


def test_after_the_lead_byte_of_a_surrogate_only_valid_continuations_are_chosen(tokenizer, book, engine) -> None:
    """ED 80..9F continues U+D000-U+D7FF; ED A0..BF would be a surrogate: logits that prefer it by far lose."""
    row, _ = new_row(
        tokenizer, book, engine, chat(output_format=OutputFormat("json_schema", schema={"type": "string"}))
    )
    texts = TokenTexts(tokenizer, threading.Lock())
    for token in byte_ids(tokenizer, 0x22, 0x22) + byte_ids(tokenizer, 0xED, 0xED):  # '"' then the lead byte
        row.accept(token)
        assert not row.done
    logits = torch.zeros(1, len(tokenizer))
    logits[0, byte_ids(tokenizer, 0xA0, 0xBF)] = 50.0
    logits[0, byte_ids(tokenizer, 0x80, 0x9F)] = 10.0
    (token,), _ = choose_tokens([row], logits, texts)
    assert token in byte_ids(tokenizer, 0x80, 0x9F)


@pytest.mark.parametrize("fields", [AS_JSON, AS_CALL], ids=["json_schema", "tool_call"])
def test_a_model_that_loves_surrogate_bytes_still_writes_valid_utf8_within_max_length(
    tokenizer, book, engine, fields
) -> None:
    """Random logits that favour <0xED> and <0xA0>..<0xBF> step after step, sampled: 16 answers each."""
    lures = byte_ids(tokenizer, 0xED, 0xED) + byte_ids(tokenizer, 0xA0, 0xBF)
    texts = TokenTexts(tokenizer, threading.Lock())
    for seed in range(16):
        row, sink = new_row(tokenizer, book, engine, chat(max_tokens=200, temperature=1.0, seed=seed, **fields))
        generator = torch.Generator().manual_seed(seed)
        while not row.done:
            logits = torch.randn(1, len(tokenizer), generator=generator)
            logits[0, lures] += 6.0
            (token,), _ = choose_tokens([row], logits, texts)
            chunk = row.accept(token)
            if chunk is not None:
                sink.posted.append(chunk)
        assert_valid(answer_of(Completion(sink.posted), fields))


@pytest.fixture(scope="module")
def gateway_engine(tiny_model: tuple[Path, Path]):
    """The gateway's tiny model: random, and unlike the engine tests' one it does not shy away from bytes."""
    engine = LocalEngine(tiny_model[0], max_batch_size=16)
    yield engine
    asyncio.run(engine.aclose())


@pytest.mark.parametrize("fields, seeds", [(AS_JSON, range(48)), (AS_CALL, range(8))], ids=["json_schema", "tool_call"])
def test_sampled_answers_of_a_real_model_are_valid_utf8_within_max_length(gateway_engine, fields, seeds) -> None:
    """Before the ban, json_schema seeds 6, 14 and 16 and tool-call seed 2 came back with U+FFFD in them."""

    async def sampled() -> list[Completion]:
        return await asyncio.gather(
            *(collect(gateway_engine, chat(temperature=1.0, seed=seed, **fields)) for seed in seeds)
        )

    for completion in asyncio.run(sampled()):
        assert_valid(answer_of(completion, fields))
