"""The tool-call syntax end to end without a model: the chat template (as transformers and vLLM render it)
equals chat_format's Python rendering, tool-free chats render as before, and the streaming parser turns
generated text into OpenAI-style deltas however the text is split."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import tiny_models

from paramstack import chat_format
from paramstack.engine.tool_calls import ToolCallParser

CITY = {"type": "object", "properties": {"city": {"type": "string"}}}
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Hava durumu", "parameters": CITY}}]
CONVERSATIONS = [
    [{"role": "user", "content": "Merhaba"}],
    [
        {"role": "system", "content": "Kısa yaz."},
        {"role": "user", "content": "Selam"},
        {"role": "assistant", "content": "Selam!"},
        {"role": "user", "content": "Nasılsın?"},
    ],
    [
        {"role": "user", "content": "Ankara ve İzmir?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Ankara"}'},
                },
                {"id": "c2", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "İzmir"}}},
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "12C"},
        {"role": "tool", "tool_call_id": "c2", "content": "20C"},
    ],
]


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory: pytest.TempPathFactory):
    return tiny_models.build_tokenizer(Path(tmp_path_factory.mktemp("tokenizer")))


@pytest.mark.parametrize("conversation", CONVERSATIONS)
@pytest.mark.parametrize("tools", [None, TOOLS])
def test_the_template_and_the_python_rendering_agree(tokenizer, conversation, tools) -> None:
    rendered = tokenizer.apply_chat_template(
        conversation, tools=tools, chat_template=chat_format.CHAT_TEMPLATE, add_generation_prompt=True, tokenize=False
    )
    assert rendered == chat_format.render_chat(conversation, tools=tools, bos=tokenizer.bos_token)


def test_tool_free_chats_render_exactly_as_the_old_template_did(tokenizer) -> None:
    for conversation in CONVERSATIONS[:2]:
        old = tokenizer.apply_chat_template(
            conversation, chat_template=chat_format.LEGACY_CHAT_TEMPLATE, add_generation_prompt=True, tokenize=False
        )
        new = tokenizer.apply_chat_template(
            conversation, chat_template=chat_format.CHAT_TEMPLATE, add_generation_prompt=True, tokenize=False
        )
        assert new == old


def test_tools_and_calls_appear_where_the_model_reads_them(tokenizer) -> None:
    text = chat_format.render_chat(CONVERSATIONS[2], tools=TOOLS)
    assert text.startswith("<|system|>\n" + chat_format.TOOLS_INSTRUCTION)
    assert chat_format.compact_json(TOOLS[0]["function"]) + "\n" in text
    assert (
        '<tool_call>{"name":"get_weather","arguments":{"city": "Ankara"}}</tool_call>\n'
        '<tool_call>{"name":"get_weather","arguments":{"city":"İzmir"}}</tool_call><|end|>'
    ) in text
    assert "<|user|>\n<tool_response>12C</tool_response><|end|>" in text


def parse(text: str, cuts: list[int]) -> tuple[str, list[tuple[str, str]], ToolCallParser]:
    parser, content, calls = ToolCallParser(), [], {}
    pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    for piece in pieces:
        shown, deltas = parser.push(piece)
        content.append(shown)
        for delta in deltas:
            if delta.id is not None:
                assert delta.index not in calls and delta.name
                calls[delta.index] = [delta.name, ""]
            calls[delta.index][1] += delta.arguments
    shown, deltas = parser.finish()
    content.append(shown)
    for delta in deltas:
        calls[delta.index][1] += delta.arguments
    return "".join(content), [tuple(calls[i]) for i in sorted(calls)], parser


CASES = [
    (
        'Önce bakayım. <tool_call>{"name":"f","arguments":{"a":"}\\"{[","b":[1,{"c":null}]}}</tool_call>\n'
        '<tool_call>{"name":"g","arguments":{}}</tool_call>',
        "Önce bakayım. ",
        [("f", '{"a":"}\\"{[","b":[1,{"c":null}]}'), ("g", "{}")],
        2,
        False,
    ),
    ("no call here, only <tool and <tool_ca", "no call here, only <tool and <tool_ca", [], 0, False),
    ("x <tool_call>not json</tool_call> y", "x <tool_call>not json</tool_call> y", [], 0, False),
    ('<tool_call>{"name":"f","arguments":{"a":1', "", [("f", '{"a":1')], 0, True),
]


@pytest.mark.parametrize("text, content, calls, complete, unfinished", CASES)
def test_the_parser_streams_calls_however_the_text_is_split(text, content, calls, complete, unfinished) -> None:
    rng = random.Random(0)
    for _ in range(100):
        cuts = sorted(rng.sample(range(1, len(text)), rng.randint(0, min(12, len(text) - 1))))
        shown, found, parser = parse(text, cuts)
        assert (shown, found, parser.calls, parser.in_call) == (content, calls, complete, unfinished)
    for _name, arguments in calls[:complete]:
        json.loads(arguments)


def test_a_second_call_cut_at_its_tag_is_not_content_on_a_constrained_row() -> None:
    text = '<tool_call>{"name":"f","arguments":{}}</tool_call>\n<tool_'
    for drop, tail in ((True, ""), (False, "<tool_")):
        parser = ToolCallParser()
        shown, _ = parser.push(text)
        rest, _ = parser.finish(drop_partial_tag=drop)
        assert (shown + rest, parser.calls) == (tail, 1)
