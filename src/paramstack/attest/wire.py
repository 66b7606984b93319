"""How an attestation travels with a response, and how a saved response is read back for verification.

Non-streamed: the body gets an ``attestation`` object (OpenAI clients ignore unknown fields) and the
``x-paramstack-attestation`` header the compact form. Streamed: after the last content chunk and before
``data: [DONE]``, one SSE event named ``attestation`` whose data is a chunk-shaped object with empty
``choices`` (as OpenAI's own usage chunk) and the attestation over the full text, so the openai
client yields it as an ordinary chunk instead of failing on it.

The attestation binds the response's ``id`` (= request_id), ``model`` (= model_id) and, when both carry
it, ``usage``; a verifier checks those against the body as well as the output text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from paramstack.attest.canonical import EncodingProblem
from paramstack.attest.response import Verifier, verify_output
from paramstack.attest.verdict import Problem, Verdict
from paramstack.attest.wire_protocols import is_protocol_body, read_protocol_body, read_protocol_stream, sse_payloads

ATTESTATION_HEADER = "x-paramstack-attestation"
SSE_EVENT = "attestation"


class WireAttestation(Protocol):
    """What travelling needs of an attestation (``SignedAttestation`` has it): its body object and compact form."""

    def to_dict(self) -> dict[str, Any]: ...

    def compact(self) -> str: ...


def attestation_headers(signed: WireAttestation) -> dict[str, str]:
    return {ATTESTATION_HEADER: signed.compact()}


def attach_attestation(body: dict[str, Any], signed: WireAttestation) -> dict[str, Any]:
    """The non-streamed body with its ``attestation`` object (returns the same dict)."""
    body["attestation"] = signed.to_dict()
    return body


def attestation_sse_event(
    signed: WireAttestation, *, response_id: str, model: str, created: int, object_type: str = "chat.completion.chunk"
) -> str:
    """The final SSE event of a streamed response (send it before ``data: [DONE]``)."""
    chunk = {
        "id": response_id,
        "object": object_type,
        "created": created,
        "model": model,
        "choices": [],
        "attestation": signed.to_dict(),
    }
    return f"event: {SSE_EVENT}\ndata: {json.dumps(chunk, ensure_ascii=False, separators=(',', ':'))}\n\n"


@dataclass(frozen=True)
class AttestedResponse:
    """What a verifier needs from a saved response: the text, its attestation, the bound fields."""

    output: str
    attestation: Any
    response_id: str | None = None
    model: str | None = None
    usage: Mapping[str, Any] | None = None
    kind: str = "pair"  # "body" (a completion body), "stream" (an SSE transcript) or "pair"
    tool_calls: list[dict[str, str]] | None = None  # [{"id", "name", "arguments"}] in call order


def read_response(document: Any) -> AttestedResponse:
    """A saved response: a completion body (JSON text or parsed), an SSE transcript, or
    ``{"attestation": ..., "output": "..."}``. Raises EncodingProblem when it is none of them."""
    if isinstance(document, bytes):
        try:
            document = document.decode("utf-8")
        except UnicodeDecodeError:
            raise EncodingProblem("the response is not UTF-8") from None
    if isinstance(document, str):
        text = document.strip()
        if not text.startswith("{"):
            return _read_sse(text.splitlines())
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise EncodingProblem(f"the response is not JSON ({error.msg} at char {error.pos})") from None
    if not isinstance(document, Mapping):
        raise EncodingProblem("the response is not a JSON object")
    if "attestation" not in document:
        raise EncodingProblem("the response carries no attestation")
    if is_protocol_body(document):  # a Responses object or an Anthropic Message
        protocol_body: AttestedResponse = read_protocol_body(document)
        return protocol_body
    if "output" in document:
        if not isinstance(document["output"], str):
            raise EncodingProblem("'output' must be a string")
        return AttestedResponse(
            document["output"], document["attestation"], tool_calls=_call_list(document.get("tool_calls"))
        )
    return AttestedResponse(
        _body_text(document),
        document["attestation"],
        _opt_str(document, "id"),
        _opt_str(document, "model"),
        _opt_map(document, "usage"),
        "body",
        _body_tool_calls(document),
    )


def verify_response(document: Any, public_key: Verifier) -> Verdict:
    """Verify a saved response end to end: signature, key, output hash, and the bound body fields."""
    try:
        response = read_response(document)
    except EncodingProblem as error:
        return Verdict.fail(Problem.MALFORMED, f"malformed response: {error}", "response")
    verdict = verify_output(response.attestation, response.output, public_key, response.tool_calls)
    if not verdict:
        return verdict
    if response.kind == "pair":
        return verdict
    payload = verdict.details["attestation"]
    bound = [("id", response.response_id, payload["request_id"]), ("model", response.model, payload["model_id"])]
    # a streamed response carries usage only when the client asked for it
    if payload["usage"] is not None and (response.usage is not None or response.kind == "body"):
        usage = response.usage or {}
        bound += [(f"usage.{k}", usage.get(k), v) for k, v in payload["usage"].items()]
    for name, seen, attested in bound:
        if seen != attested:
            return Verdict.fail(
                Problem.FIELD_MISMATCH,
                f"response {name} {seen!r} differs from the attested {attested!r}",
                name,
                **verdict.details,
            )
    return verdict


def _body_text(body: Mapping[str, Any]) -> str:
    choices = body.get("choices")
    if not isinstance(choices, list) or len(choices) != 1 or not isinstance(choices[0], Mapping):
        raise EncodingProblem("an attested response has exactly one choice")
    choice = choices[0]
    if isinstance(choice.get("message"), Mapping):
        content = choice["message"].get("content")
        return "" if content is None else _text(content)
    return _text(choice.get("text"))


def _body_tool_calls(body: Mapping[str, Any]) -> list[dict[str, str]] | None:
    message = body["choices"][0].get("message") if isinstance(body.get("choices"), list) else None
    if not isinstance(message, Mapping) or not message.get("tool_calls"):
        return None
    calls = message["tool_calls"]
    if not isinstance(calls, list):
        raise EncodingProblem("'tool_calls' is not a list")
    return _call_list(
        [
            {
                "id": c.get("id"),
                "name": (c.get("function") or {}).get("name"),
                "arguments": (c.get("function") or {}).get("arguments"),
            }
            for c in calls
            if isinstance(c, Mapping)
        ]
    )


def _call_list(value: Any) -> list[dict[str, str]] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(
        isinstance(c, Mapping) and all(isinstance(c.get(k), str) for k in ("id", "name", "arguments")) for c in value
    ):
        raise EncodingProblem("tool calls must be objects with string id, name and arguments")
    return [{"id": c["id"], "name": c["name"], "arguments": c["arguments"]} for c in value] or None


class _StreamedCalls:
    """Tool calls put back together from streamed ``delta.tool_calls`` pieces (by index, as clients do)."""

    def __init__(self) -> None:
        self._calls: dict[int, dict[str, str]] = {}

    def add(self, pieces: Any) -> None:
        if not isinstance(pieces, list):
            raise EncodingProblem("'delta.tool_calls' is not a list")
        for piece in pieces:
            if not isinstance(piece, Mapping) or not isinstance(piece.get("index"), int):
                raise EncodingProblem("a tool call delta needs an integer index")
            call = self._calls.setdefault(piece["index"], {"id": "", "name": "", "arguments": ""})
            function = piece.get("function") or {}
            call["id"] += _text(piece["id"]) if piece.get("id") else ""
            call["name"] += _text(function["name"]) if function.get("name") else ""
            call["arguments"] += _text(function["arguments"]) if function.get("arguments") else ""

    def result(self) -> list[dict[str, str]] | None:
        return [self._calls[i] for i in sorted(self._calls)] or None


def _read_sse(lines: Iterable[str]) -> AttestedResponse:
    lines = list(lines)
    protocol = read_protocol_stream(sse_payloads(lines))  # a Responses or Messages stream
    if protocol is not None:
        return protocol  # type: ignore[no-any-return]
    parts: list[str] = []
    calls = _StreamedCalls()
    attestation: Any = None
    response_id = model = None
    usage = None
    for line in lines:
        if not line.startswith("data:"):
            continue  # event names, comments, blank separators
        data = line[5:].strip()
        if data == "[DONE]":
            break
        try:
            chunk = json.loads(data)
        except json.JSONDecodeError:
            raise EncodingProblem("an SSE data line is not JSON") from None
        if not isinstance(chunk, Mapping):
            raise EncodingProblem("an SSE chunk is not an object")
        response_id = _opt_str(chunk, "id") or response_id
        model = _opt_str(chunk, "model") or model
        usage = _opt_map(chunk, "usage") or usage
        if "attestation" in chunk:
            attestation = chunk["attestation"]
        for choice in chunk.get("choices") or []:
            if not isinstance(choice, Mapping) or choice.get("index", 0) != 0:
                raise EncodingProblem("an attested stream has exactly one choice")
            delta = choice.get("delta")
            piece = delta.get("content") if isinstance(delta, Mapping) else choice.get("text")
            if piece is not None:
                parts.append(_text(piece))
            if isinstance(delta, Mapping) and delta.get("tool_calls"):
                calls.add(delta["tool_calls"])
    if attestation is None:
        raise EncodingProblem("no attestation event in the stream (was it cut short?)")
    return AttestedResponse("".join(parts), attestation, response_id, model, usage, "stream", calls.result())


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise EncodingProblem("the response text is not a string")
    return value


def _opt_str(mapping: Mapping[str, Any], name: str) -> str | None:
    value = mapping.get(name)
    if value is not None and not isinstance(value, str):
        raise EncodingProblem(f"'{name}' is not a string")
    return value


def _opt_map(mapping: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    value = mapping.get(name)
    if value is not None and not isinstance(value, Mapping):
        raise EncodingProblem(f"'{name}' is not an object")
    return value
