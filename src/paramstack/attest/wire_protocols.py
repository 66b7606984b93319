"""Saved Responses-API and Messages-API answers read back for verification (``paramstack attest verify``).

Bodies: a Responses object (``"object": "response"``: its output_text parts and function_call items) or an
Anthropic Message (``"type": "message"``: its text and tool_use blocks), each with its ``attestation``.
Streams: the SSE transcript; the text and tool calls are put together from the deltas the client read
(``response.output_text.delta`` / ``function_call_arguments.delta``; ``text_delta`` / ``input_json_delta``),
and the attestation comes from the last event (``response.completed``'s response, ``message_delta``). A
Responses stream whose deltas differ from its own final object is refused: a verifier checks what the
client was shown. Usage is bound under the attestation's names (input -> prompt, output -> completion).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from paramstack.attest.canonical import EncodingProblem

Reader = Any  # returns paramstack.attest.wire.AttestedResponse (imported lazily: wire imports this module)


def is_protocol_body(document: Mapping[str, Any]) -> bool:
    return document.get("object") == "response" or document.get("type") == "message"


def read_protocol_body(document: Mapping[str, Any]) -> Any:
    from paramstack.attest.wire import AttestedResponse

    if document.get("object") == "response":
        text, calls = _responses_output(document.get("output"))
        usage = _usage(document.get("usage"))
    else:
        text, calls = _message_content(document.get("content"))
        usage = _usage(document.get("usage"))
    return AttestedResponse(
        text,
        document["attestation"],
        _str(document.get("id")),
        _str(document.get("model")),
        usage,
        "body",
        calls or None,
    )


def read_protocol_stream(events: list[Mapping[str, Any]]) -> Any | None:
    """None when the transcript is not a Responses or Messages stream (a chat stream, then)."""
    kinds = [str(e.get("type", "")) for e in events]
    if any(k.startswith("response.") for k in kinds):
        return _responses_stream(events)
    if "message_start" in kinds:
        return _messages_stream(events)
    return None


def sse_payloads(lines: Iterable[str]) -> list[Mapping[str, Any]]:
    payloads = []
    for line in lines:
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            break
        try:
            payload = json.loads(data)
        except json.JSONDecodeError:
            raise EncodingProblem("an SSE data line is not JSON") from None
        if not isinstance(payload, Mapping):
            raise EncodingProblem("an SSE event is not an object")
        payloads.append(payload)
    return payloads


def _responses_stream(events: list[Mapping[str, Any]]) -> Any:
    from paramstack.attest.wire import AttestedResponse

    text: list[str] = []
    done: list[str] = []  # output_text.done: what a client that reads the done events was shown
    arguments: dict[str, list[str]] = {}  # item id -> pieces
    final: Mapping[str, Any] | None = None
    for event in events:
        kind = event.get("type")
        if kind == "response.output_text.delta":
            text.append(_text(event.get("delta")))
        elif kind == "response.output_text.done":
            done.append(_text(event.get("text")))
        elif kind == "response.function_call_arguments.delta":
            arguments.setdefault(str(event.get("item_id")), []).append(_text(event.get("delta")))
        elif kind in ("response.completed", "response.incomplete") and isinstance(event.get("response"), Mapping):
            final = event["response"]
    if final is None or "attestation" not in final:
        raise EncodingProblem("no attestation event in the stream (was it cut short?)")
    final_text, final_calls = _responses_output(final.get("output"))
    streamed_calls = [
        {**call, "arguments": "".join(arguments.get(item_id, []))}
        for item_id, call in _function_items(final.get("output"))
    ]
    if not ("".join(text) == "".join(done) == final_text) or streamed_calls != final_calls:
        raise EncodingProblem("the streamed deltas differ from the stream's final response object")
    return AttestedResponse(
        "".join(text),
        final["attestation"],
        _str(final.get("id")),
        _str(final.get("model")),
        _usage(final.get("usage")),
        "stream",
        streamed_calls or None,
    )


def _messages_stream(events: list[Mapping[str, Any]]) -> Any:
    from paramstack.attest.wire import AttestedResponse

    text: list[str] = []
    calls: dict[int, dict[str, str]] = {}
    start: Mapping[str, Any] = {}
    last: Mapping[str, Any] | None = None
    for event in events:
        kind = event.get("type")
        if kind == "message_start" and isinstance(event.get("message"), Mapping):
            start = event["message"]
        elif kind == "content_block_start":
            block = event.get("content_block") or {}
            if block.get("type") == "text":  # a block may start with text, as the SDK accumulates it
                text.append(_text(block.get("text", "")))
            elif block.get("type") == "tool_use":
                calls[int(event.get("index", 0))] = {
                    "id": _text(block.get("id")),
                    "name": _text(block.get("name")),
                    "arguments": "",
                }
        elif kind == "content_block_delta":
            delta = event.get("delta") or {}
            if delta.get("type") == "text_delta":
                text.append(_text(delta.get("text")))
            elif delta.get("type") == "input_json_delta" and int(event.get("index", 0)) in calls:
                calls[int(event.get("index", 0))]["arguments"] += _text(delta.get("partial_json"))
        elif kind == "message_delta":
            last = event
    if last is None or "attestation" not in last:
        raise EncodingProblem("no attestation event in the stream (was it cut short?)")
    usage = {**(start.get("usage") or {}), **{k: v for k, v in (last.get("usage") or {}).items() if v is not None}}
    return AttestedResponse(
        "".join(text),
        last["attestation"],
        _str(start.get("id")),
        _str(start.get("model")),
        _usage(usage),
        "stream",
        [calls[i] for i in sorted(calls)] or None,
    )


def _responses_output(output: Any) -> tuple[str, list[dict[str, str]]]:
    if not isinstance(output, list):
        raise EncodingProblem("'output' is not a list")
    text = "".join(
        _text(part.get("text"))
        for item in output
        if isinstance(item, Mapping) and item.get("type") == "message"
        for part in item.get("content") or []
        if isinstance(part, Mapping) and part.get("type") == "output_text"
    )
    return text, [call for _, call in _function_items(output)]


def _function_items(output: Any) -> list[tuple[str, dict[str, str]]]:
    return [
        (
            str(item.get("id")),
            {
                "id": _text(item.get("call_id")),
                "name": _text(item.get("name")),
                "arguments": _text(item.get("arguments")),
            },
        )
        for item in output or []
        if isinstance(item, Mapping) and item.get("type") == "function_call"
    ]


def _message_content(content: Any) -> tuple[str, list[dict[str, str]]]:
    if not isinstance(content, list):
        raise EncodingProblem("'content' is not a list")
    text = "".join(_text(b.get("text")) for b in content if isinstance(b, Mapping) and b.get("type") == "text")
    # A body carries the parsed input: compact JSON is the form the gateway's engines deliver.
    calls = [
        {
            "id": _text(b.get("id")),
            "name": _text(b.get("name")),
            "arguments": json.dumps(b.get("input"), ensure_ascii=False, separators=(",", ":")),
        }
        for b in content
        if isinstance(b, Mapping) and b.get("type") == "tool_use"
    ]
    return text, calls


def _usage(usage: Any) -> Mapping[str, Any] | None:
    if not isinstance(usage, Mapping):
        return None
    prompt, completion = usage.get("input_tokens"), usage.get("output_tokens")
    total = usage.get("total_tokens")
    if total is None and isinstance(prompt, int) and isinstance(completion, int):
        total = prompt + completion
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": total}


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise EncodingProblem("the response text is not a string")
    return value


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
