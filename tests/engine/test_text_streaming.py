"""Text deltas are whole characters, stop strings never leak, sampling follows its settings."""

from __future__ import annotations

import pytest
import torch
from transformers import AutoTokenizer

from paramstack.engine.detokenizer import IncrementalDetokenizer
from paramstack.engine.protocol import SamplingParams
from paramstack.engine.sampling import RowSampler, next_tokens
from paramstack.engine.stopping import StopStringBuffer

TURKISH = "Ağaç dağ başında, öğle güneşi yağmurdan sonra ğ ğğ çiçek."


@pytest.fixture(scope="module")
def tokenizer(model_dir):
    return AutoTokenizer.from_pretrained(model_dir)


def _stream(tokenizer, prompt_ids, ids):
    detokenizer = IncrementalDetokenizer(lambda t: tokenizer.decode(t, skip_special_tokens=True), prompt_ids)
    deltas = [detokenizer.push(token) for token in ids]
    return deltas, detokenizer.flush()


def test_byte_fallback_characters_are_never_split(tokenizer):
    prompt_ids = tokenizer("merhaba")["input_ids"]
    ids = tokenizer(TURKISH, add_special_tokens=False)["input_ids"]
    pieces = tokenizer.convert_ids_to_tokens(ids)
    assert sum(p.startswith("<0x") for p in pieces) >= 4, "the text should exercise byte fallback"
    deltas, tail = _stream(tokenizer, prompt_ids, ids)
    assert tail == ""
    assert all("\ufffd" not in delta for delta in deltas)
    expected = tokenizer.decode(prompt_ids + ids)[len(tokenizer.decode(prompt_ids)) :]
    assert "".join(deltas) == expected
    assert expected.strip() == TURKISH
    assert sum(1 for d in deltas if d == "") >= 2  # partial characters were held back


def test_first_token_keeps_its_leading_space_after_the_prompt(tokenizer):
    prompt_ids = tokenizer("hello")["input_ids"]
    ids = tokenizer("hello world", add_special_tokens=False)["input_ids"][len(prompt_ids) :]
    deltas, _ = _stream(tokenizer, prompt_ids, ids)
    assert "".join(deltas) == " world"


def test_unfinished_character_at_the_end_is_flushed_as_replacement(tokenizer):
    ids = tokenizer("ğ", add_special_tokens=False)["input_ids"]
    deltas, tail = _stream(tokenizer, [], ids[:-1])
    assert "".join(deltas) == "" and tail.endswith("\ufffd")


@pytest.mark.parametrize("split", [1, 2, 3, 4])
def test_stop_string_across_deltas(split):
    text = "yanıt burada<|user|>devamı"
    stop = "<|user|>"
    buffer = StopStringBuffer([stop, "never"])
    shown = []
    for start in range(0, len(text), split):
        check = buffer.push(text[start : start + split])
        shown.append(check.text)
        if check.stopped:
            break
    assert "".join(shown) == "yanıt burada"
    assert buffer.stopped
    # Nothing that began the stop string was shown before the stop was certain.
    assert not any("<" in piece for piece in shown)


def test_held_text_that_is_not_a_stop_is_released():
    buffer = StopStringBuffer(["END"])
    assert buffer.push("the E").text == "the "
    assert buffer.push("N").text == ""
    assert buffer.push("D? no, ENT").text == ""  # "END" found: stop
    assert buffer.stopped
    other = StopStringBuffer(["END"])
    assert other.push("EN").text == ""
    assert other.push("TRY").text == "ENTRY"
    assert other.push("... EN").text == "... "
    assert other.flush() == "EN"


def test_earliest_of_several_stops_wins():
    buffer = StopStringBuffer(["bb", "a"])
    assert buffer.push("xxbba").text == "xx"


def test_top_p_keeps_only_the_head_of_the_distribution():
    logits = torch.tensor([[5.0, 4.0, 0.0, -1.0]]).repeat(200, 1)
    samplers = [RowSampler(SamplingParams(temperature=1.0, top_p=0.5, seed=i)) for i in range(200)]
    assert set(next_tokens(samplers, logits)) == {0}
    wide = [RowSampler(SamplingParams(temperature=1.0, top_p=1.0, seed=i)) for i in range(200)]
    assert set(next_tokens(wide, logits)) >= {0, 1}


def test_greedy_and_seeded_rows_in_one_batch():
    logits = torch.randn(3, 50)
    rows = [
        RowSampler(SamplingParams(temperature=0.0)),
        RowSampler(SamplingParams(temperature=0.8, seed=3)),
        RowSampler(SamplingParams(temperature=0.8, seed=3)),
    ]
    chosen = next_tokens(rows, logits.clone())
    assert chosen[0] == int(logits[0].argmax())
    again = RowSampler(SamplingParams(temperature=0.8, seed=3))
    assert next_tokens([again], logits[1:2].clone()) == [chosen[1]]


def test_the_buffer_names_the_stop_string_that_ended_the_text() -> None:
    buffer = StopStringBuffer(["END", "<|us", "<|user|>"])
    assert buffer.push("answer <|u").text == "answer "
    assert buffer.matched is None
    check = buffer.push("ser|> more")
    assert (check.text, check.stopped, buffer.matched) == ("", True, "<|us")  # the first to match, at the start
    never = StopStringBuffer(["END"])
    never.push("no stop here")
    assert never.matched is None and never.flush() == ""
