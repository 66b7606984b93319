"""A Responses-API request (and the conversation its ``previous_response_id`` names) -> the one internal call."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from paramstack.engine.protocol import ChatMessage, ContentPart, OutputFormat, ToolCall, ToolChoice, ToolSpec
from paramstack.errors import InvalidRequest
from paramstack.gateway.call_request import CallRequest
from paramstack.gateway.protocols.responses_request import (
    FunctionCallItem,
    FunctionCallOutputItem,
    InputFile,
    InputImage,
    MessageItem,
    Refusal,
    ResponseCreate,
)
from paramstack.gateway.protocols.tools import checked_schema, checked_tool_choice, checked_tool_names

LOGPROBS_INCLUDE = "message.output_text.logprobs"


def to_call_request(body: ResponseCreate, previous: Sequence[ChatMessage] = ()) -> CallRequest:
    """``previous``: the stored conversation of ``previous_response_id`` (its instructions are not carried
    over, as OpenAI does: this request's ``instructions`` apply)."""
    turns = list(previous)
    turns.extend(input_turns(body, known_calls=_call_ids(previous)))
    if not any(t.content.strip() or t.parts or t.tool_calls for t in turns if t.role != "system"):
        raise InvalidRequest("input must contain some text", param="input", code="invalid_value")
    messages = ([ChatMessage(role="system", content=body.instructions)] if body.instructions else []) + turns
    tools = tuple(
        ToolSpec(
            name=t.name,
            description=t.description,
            parameters=(
                checked_schema(t.parameters, f"tools[{i}].parameters")
                if t.parameters is not None
                else {"type": "object", "properties": {}}
            ),
            strict=bool(t.strict),
        )
        for i, t in enumerate(body.tools)
    )
    checked_tool_names(tools)
    choice = (
        ToolChoice(mode=body.tool_choice)
        if isinstance(body.tool_choice, str)
        else ToolChoice(mode="required", name=body.tool_choice.name)
    )
    checked_tool_choice(choice, tools)
    return CallRequest(
        protocol="responses",
        model=body.model,
        messages=tuple(messages),
        max_tokens=body.max_output_tokens,
        temperature=1.0 if body.temperature is None else body.temperature,
        top_p=1.0 if body.top_p is None else body.top_p,
        stream=body.stream,
        user=body.user,
        rag=body.rag,
        tools=tools,
        tool_choice=choice,
        parallel_tool_calls=body.parallel_tool_calls,
        output_format=output_format(body),
        logprobs=wanted_logprobs(body),
        id_prefix="resp_",
    )


def wanted_logprobs(body: ResponseCreate) -> int | None:
    """As OpenAI: token logprobs only with ``include: ["message.output_text.logprobs"]`` (``top_logprobs``
    alternatives each)."""
    return (body.top_logprobs or 0) if LOGPROBS_INCLUDE in (body.include or ()) else None


def input_turns(body: ResponseCreate, known_calls: set[str] = frozenset()) -> list[ChatMessage]:  # type: ignore[assignment]
    """The request's own input as conversation turns (what a stored response keeps of it)."""
    turns: list[ChatMessage] = []
    calls = set(known_calls)
    for index, item in enumerate(body.input):
        where = f"input[{index}]"
        if isinstance(item, MessageItem):
            turns.append(_message(item, where))
        elif isinstance(item, FunctionCallItem):
            calls.add(item.call_id)
            call = ToolCall(id=item.call_id, name=item.name, arguments=item.arguments)
            last = turns[-1] if turns else None
            # A model turn is one message then its function calls: they come back as separate items.
            if last is not None and last.role == "assistant":
                turns[-1] = ChatMessage(
                    role="assistant", content=last.content, parts=last.parts, tool_calls=(*last.tool_calls, call)
                )
            else:
                turns.append(ChatMessage(role="assistant", content="", tool_calls=(call,)))
        elif isinstance(item, FunctionCallOutputItem):
            if item.call_id not in calls:
                raise InvalidRequest(
                    f"No tool call found for function call output with call_id {item.call_id}.",
                    param=f"{where}.call_id",
                    code="invalid_value",
                )
            turns.append(_tool_result(item, where))
    return turns


def output_format(body: ResponseCreate) -> OutputFormat:
    requested = body.text.format if body.text is not None else None
    if requested is None or requested.type == "text":
        return OutputFormat()
    if requested.type == "json_object":
        return OutputFormat(kind="json_object")
    if not requested.name:
        raise InvalidRequest(
            "Missing required parameter: 'text.format.name'.",
            param="text.format.name",
            code="missing_required_parameter",
        )
    if requested.schema_ is None:
        raise InvalidRequest(
            "Missing required parameter: 'text.format.schema'.",
            param="text.format.schema",
            code="missing_required_parameter",
        )
    return OutputFormat(
        kind="json_schema",
        name=requested.name,
        schema=checked_schema(requested.schema_, "text.format.schema"),
        strict=bool(requested.strict),
    )


def _message(item: MessageItem, where: str) -> ChatMessage:
    role = "system" if item.role == "developer" else item.role
    parts = tuple(_part(part, f"{where}.content[{i}]") for i, part in enumerate(item.content))
    return _turn(role, parts)


def _part(part: Any, where: str) -> ContentPart:
    if isinstance(part, InputImage):
        if part.image_url is None:
            raise InvalidRequest(
                "input_image needs an image_url (uploaded files are not served here)",
                param=f"{where}.image_url",
                code="invalid_value",
            )
        return ContentPart(
            kind="image", source={"type": "image_url", "image_url": {"url": part.image_url, "detail": part.detail}}
        )
    if isinstance(part, InputFile):
        if part.file_data is None:
            raise InvalidRequest(
                "input_file needs file_data (uploaded files are not served here)",
                param=f"{where}.file_data",
                code="invalid_value",
            )
        return ContentPart(
            kind="file", source={"type": "file", "file": {"file_data": part.file_data, "filename": part.filename}}
        )
    if isinstance(part, Refusal):
        return ContentPart(kind="text", text=part.refusal)
    return ContentPart(kind="text", text=part.text)


def _tool_result(item: FunctionCallOutputItem, where: str) -> ChatMessage:
    parts = tuple(_part(part, f"{where}.output[{i}]") for i, part in enumerate(item.output))
    return _turn("tool", parts, tool_call_id=item.call_id)


def _turn(role: Any, parts: tuple[ContentPart, ...], tool_call_id: str | None = None) -> ChatMessage:
    """Text-only content is plain text (as a string would have been); with media the parts are kept."""
    text = "".join(p.text for p in parts if p.kind == "text")
    media = any(p.kind != "text" for p in parts)
    return ChatMessage(role=role, content=text, parts=parts if media else (), tool_call_id=tool_call_id)


def _call_ids(turns: Sequence[ChatMessage]) -> set[str]:
    return {call.id for turn in turns for call in turn.tool_calls}
