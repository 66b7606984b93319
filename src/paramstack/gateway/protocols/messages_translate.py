"""An Anthropic Messages request -> the one internal call, with Anthropic's rules on block order.

Anthropic's rules, checked here with its own wording: ``tool_use`` blocks only in assistant turns and
``tool_result`` blocks only in user turns; the user turn after an assistant turn with ``tool_use`` answers
every one of its ids, each ``tool_result`` answers a ``tool_use`` of the turn just before, and the
``tool_result`` blocks come before any other content of their turn.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from paramstack.engine.protocol import ChatMessage, ContentPart, OutputFormat, ToolCall, ToolChoice, ToolSpec
from paramstack.errors import InvalidRequest
from paramstack.gateway.call_request import CallRequest
from paramstack.gateway.protocols.messages_request import (
    ImageBlock,
    Message,
    MessageCreate,
    Prompt,
    TextBlock,
    ToolChoiceAny,
    ToolChoiceNone,
    ToolChoiceTool,
    ToolResultBlock,
    ToolUseBlock,
)
from paramstack.gateway.protocols.tools import checked_schema, checked_tool_choice, checked_tool_names


def to_call_request(body: MessageCreate) -> CallRequest:
    prompt = prompt_parts(body)
    return CallRequest(
        protocol="messages",
        model=body.model,
        messages=prompt.messages,
        max_tokens=body.max_tokens,
        temperature=1.0 if body.temperature is None else body.temperature,
        top_p=1.0 if body.top_p is None else body.top_p,
        stop=tuple(body.stop_sequences),
        stream=body.stream,
        user=str((body.metadata or {}).get("user_id") or "") or None,
        rag=body.rag,
        tools=prompt.tools,
        tool_choice=prompt.tool_choice,
        parallel_tool_calls=prompt.parallel_tool_calls,
        output_format=output_format(body),
        id_prefix="msg_",
    )


def output_format(body: Prompt) -> OutputFormat:
    """``output_config.format`` (Anthropic's structured outputs) as the one output format."""
    requested = body.output_config.format if body.output_config else None
    if requested is None:
        return OutputFormat()
    return OutputFormat(
        kind="json_schema",
        name="output",
        schema=checked_schema(requested.schema_, "output_config.format.schema"),
        strict=True,
    )


class PromptParts:
    def __init__(
        self,
        messages: tuple[ChatMessage, ...],
        tools: tuple[ToolSpec, ...],
        tool_choice: ToolChoice,
        parallel_tool_calls: bool,
    ) -> None:
        self.messages, self.tools = messages, tools
        self.tool_choice, self.parallel_tool_calls = tool_choice, parallel_tool_calls


def prompt_parts(body: Prompt) -> PromptParts:
    """Turns, tools and tool choice of a request (what ``count_tokens`` counts, too)."""
    turns: list[ChatMessage] = []
    if body.system:
        text = body.system if isinstance(body.system, str) else "\n\n".join(b.text for b in body.system)
        turns.append(ChatMessage(role="system", content=text))
    pending: set[str] = set()  # tool_use ids the next turn must answer
    for index, message in enumerate(body.messages):
        turns.extend(_turns(message, index, pending))
        pending = {b.id for b in _blocks(message) if isinstance(b, ToolUseBlock)}
    if not any(t.content.strip() or t.parts or t.tool_calls for t in turns if t.role != "system"):
        raise InvalidRequest("messages: at least one message must have non-empty content", param="messages")
    tools = tuple(
        ToolSpec(
            name=t.name,
            description=t.description,
            parameters=checked_schema(t.input_schema, f"tools.{i}.input_schema"),
            strict=bool(t.strict),
        )
        for i, t in enumerate(body.tools)
    )
    checked_tool_names(tools, param="tools")
    choice, parallel = _tool_choice(body, tools)
    return PromptParts(tuple(turns), tools, choice, parallel)


def _turns(message: Message, index: int, pending: set[str]) -> list[ChatMessage]:
    where = f"messages.{index}"
    blocks = _blocks(message)
    if pending:
        answered = {b.tool_use_id for b in blocks if isinstance(b, ToolResultBlock)}
        if missing := sorted(pending - answered):
            raise InvalidRequest(
                f"{f'messages.{index - 1}'}: `tool_use` ids were found without `tool_result` "
                f"blocks immediately after: {', '.join(missing)}. Each `tool_use` block must have "
                "a corresponding `tool_result` block in the next message.",
                param=where,
            )
    if message.role == "assistant":
        return [_assistant(blocks, where)]
    results: list[ChatMessage] = []
    parts: list[ContentPart] = []
    for position, block in enumerate(blocks):
        at = f"{where}.content.{position}"
        if isinstance(block, ToolUseBlock):
            raise InvalidRequest(f"{at}: `tool_use` blocks can only be in `assistant` messages", param=at)
        if isinstance(block, ToolResultBlock):
            if parts:
                raise InvalidRequest(
                    f"{at}: `tool_result` blocks must come before any other content in a `user` message", param=at
                )
            if block.tool_use_id not in pending:
                raise InvalidRequest(
                    f"{at}: unexpected `tool_use_id` found in `tool_result` blocks: "
                    f"{block.tool_use_id}. Each `tool_result` block must have a corresponding "
                    "`tool_use` block in the previous message.",
                    param=at,
                )
            results.append(_tool_result(block))
        else:
            parts.append(_part(block))
    user = (
        [ChatMessage(role="user", content="".join(p.text for p in parts if p.kind == "text"), parts=tuple(parts))]
        if parts
        else []
    )
    return results + user


def _assistant(blocks: Sequence[object], where: str) -> ChatMessage:
    texts: list[str] = []
    calls: list[ToolCall] = []
    for position, block in enumerate(blocks):
        if isinstance(block, ToolResultBlock):
            at = f"{where}.content.{position}"
            raise InvalidRequest(f"{at}: `tool_result` blocks can only be in `user` messages", param=at)
        if isinstance(block, ImageBlock):
            at = f"{where}.content.{position}"
            raise InvalidRequest(f"{at}: `image` blocks can only be in `user` messages", param=at)
        if isinstance(block, ToolUseBlock):
            calls.append(
                ToolCall(
                    id=block.id,
                    name=block.name,
                    arguments=json.dumps(block.input, ensure_ascii=False, separators=(",", ":")),
                )
            )
        elif isinstance(block, TextBlock):
            texts.append(block.text)
    return ChatMessage(role="assistant", content="".join(texts), tool_calls=tuple(calls))


def _blocks(message: Message) -> list[object]:
    return list(message.content)


def _part(block: object) -> ContentPart:
    if isinstance(block, ImageBlock):
        source = block.source
        url = source.url if source.type == "url" else f"data:{source.media_type};base64,{source.data}"
        return ContentPart(kind="image", source={"type": "image_url", "image_url": {"url": url}})
    assert isinstance(block, TextBlock)
    return ContentPart(kind="text", text=block.text)


def _tool_result(block: ToolResultBlock) -> ChatMessage:
    parts = tuple(_part(b) for b in block.content)
    text = "".join(p.text for p in parts if p.kind == "text")
    if block.is_error:
        text = f"Error: {text}"  # the model must know the call failed; chat templates have no flag for it
        parts = tuple(ContentPart(kind="text", text=text) if p.kind == "text" else p for p in parts)
    return ChatMessage(
        role="tool",
        content=text,
        parts=parts if any(p.kind != "text" for p in parts) else (),
        tool_call_id=block.tool_use_id,
    )


def _tool_choice(body: Prompt, tools: tuple[ToolSpec, ...]) -> tuple[ToolChoice, bool]:
    requested = body.tool_choice
    if requested is None:
        return ToolChoice(mode="auto"), True
    if isinstance(requested, ToolChoiceNone):
        return ToolChoice(mode="none"), True
    choice = (
        ToolChoice(mode="required", name=requested.name)
        if isinstance(requested, ToolChoiceTool)
        else ToolChoice(mode="required")
        if isinstance(requested, ToolChoiceAny)
        else ToolChoice(mode="auto")
    )
    checked_tool_choice(choice, tools)
    return choice, not requested.disable_parallel_tool_use
