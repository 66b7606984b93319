"""The chat format of paramstack's own models: one Jinja chat template, shared by training and serving.

Tokenizers exported by ``paramstack tokenizer train`` carry this template, so ``apply_chat_template``
in transformers, in our local engine and in vLLM all render conversations the same way, tools included
(``apply_chat_template(messages, tools=[{"type": "function", "function": {...}}, ...])``).

A conversation without tools renders exactly as it always did (the models were trained on it):

    <s><|system|>\\nYou are...<|end|>\\n<|user|>\\nHi<|end|>\\n<|assistant|>\\n

Tools add a section to the system turn (a system turn of its own when the conversation has none): one
instruction line and each function as compact JSON, one a line. The model calls a function Hermes/Qwen
style, and an assistant turn in the history that called one renders the same way:

    <tool_call>{"name":"get_weather","arguments":{"city":"Ankara"}}</tool_call>

(several calls are separated by a newline). The vocabulary has no ``<|tool|>`` token and adding one
would mean resizing (retraining) the model, so a tool result is a user turn whose text is wrapped in
``<tool_response>...</tool_response>``, as Qwen's templates do.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

SYSTEM_TAG = "<|system|>"
USER_TAG = "<|user|>"
ASSISTANT_TAG = "<|assistant|>"
END_TAG = "<|end|>"

SPECIAL_TOKENS = (SYSTEM_TAG, USER_TAG, ASSISTANT_TAG, END_TAG)

TOOL_CALL_OPEN = "<tool_call>"
TOOL_CALL_CLOSE = "</tool_call>"
TOOL_CALL_SEPARATOR = "\n"
TOOL_RESPONSE_OPEN = "<tool_response>"
TOOL_RESPONSE_CLOSE = "</tool_response>"
TOOLS_INSTRUCTION = (
    'You may call these functions. To call one, answer <tool_call>{"name":NAME,"arguments":ARGUMENTS}</tool_call>\n'
)

# The template before tools existed; tokenizers saved with it (the shipped tiny model's) are rendered
# with CHAT_TEMPLATE instead, which gives the same text for every conversation the old one could take.
LEGACY_CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{{ '<|' + message['role'] + '|>\n' + message['content'] + '<|end|>\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}"
)

CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{%- set ns = namespace(tools='', rest=messages) -%}"
    "{%- if tools -%}"
    "{%- set ns.tools = '" + TOOLS_INSTRUCTION + "' -%}"
    "{%- for tool in tools -%}"
    "{%- set ns.tools = ns.tools + ((tool['function'] if tool['function'] is defined else tool)"
    " | tojson(separators=(',', ':'))) + '\n' -%}"
    "{%- endfor -%}"
    "{%- if messages and messages[0]['role'] == 'system' -%}"
    "{{ '<|system|>\n' + messages[0]['content'] + '\n\n' + ns.tools + '<|end|>\n' }}"
    "{%- set ns.rest = messages[1:] -%}"
    "{%- else -%}"
    "{{ '<|system|>\n' + ns.tools + '<|end|>\n' }}"
    "{%- endif -%}"
    "{%- endif -%}"
    "{%- for message in ns.rest -%}"
    "{%- if message['role'] == 'tool' -%}"
    "{{ '<|user|>\n" + TOOL_RESPONSE_OPEN + "' + message['content'] + '" + TOOL_RESPONSE_CLOSE + "<|end|>\n' }}"
    "{%- else -%}"
    "{{ '<|' + message['role'] + '|>\n' + (message['content'] or '') }}"
    "{%- for call in (message['tool_calls'] or []) -%}"
    "{%- set fn = call['function'] if call['function'] is defined else call -%}"
    "{%- if not loop.first %}{{ '\n' }}{% endif -%}"
    "{{ '" + TOOL_CALL_OPEN + "{\"name\":' + (fn['name'] | tojson) + ',\"arguments\":' }}"
    "{{ fn['arguments'] if fn['arguments'] is string else (fn['arguments'] | tojson(separators=(',', ':'))) }}"
    "{{ '}" + TOOL_CALL_CLOSE + "' }}"
    "{%- endfor -%}"
    "{{ '<|end|>\n' }}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif -%}"
)


def compact_json(value: Any) -> str:
    """JSON as the template's ``tojson(separators=(',', ':'))`` writes it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def tool_call_text(name: str, arguments: str) -> str:
    """One call as the model writes it; ``arguments`` is JSON text, kept byte for byte."""
    return f'{TOOL_CALL_OPEN}{{"name":{json.dumps(name, ensure_ascii=False)},"arguments":{arguments}}}{TOOL_CALL_CLOSE}'


def render_chat(
    messages: Sequence[Mapping[str, Any]],
    *,
    add_generation_prompt: bool = True,
    bos: str = "",
    tools: Sequence[Mapping[str, Any]] | None = None,
) -> str:
    """Plain-Python rendering of CHAT_TEMPLATE, for building training text without a tokenizer."""
    parts = [bos]
    rest = list(messages)
    if tools:
        section = TOOLS_INSTRUCTION + "".join(compact_json(t.get("function", t)) + "\n" for t in tools)
        if rest and rest[0]["role"] == "system":
            parts.append(f"{SYSTEM_TAG}\n{rest[0]['content']}\n\n{section}{END_TAG}\n")
            rest = rest[1:]
        else:
            parts.append(f"{SYSTEM_TAG}\n{section}{END_TAG}\n")
    for message in rest:
        if message["role"] == "tool":
            parts.append(f"{USER_TAG}\n{TOOL_RESPONSE_OPEN}{message['content']}{TOOL_RESPONSE_CLOSE}{END_TAG}\n")
            continue
        calls = []
        for call in message.get("tool_calls") or ():
            fn = call.get("function", call)
            arguments = fn["arguments"]
            calls.append(
                tool_call_text(fn["name"], arguments if isinstance(arguments, str) else compact_json(arguments))
            )
        content = message.get("content") or ""
        parts.append(f"<|{message['role']}|>\n{content}{TOOL_CALL_SEPARATOR.join(calls)}{END_TAG}\n")
    if add_generation_prompt:
        parts.append(f"{ASSISTANT_TAG}\n")
    return "".join(parts)
