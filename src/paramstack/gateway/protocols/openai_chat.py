"""OpenAI chat and text completion requests -> the one ``CallRequest``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from paramstack.engine.protocol import (
    ChatMessage,
    ContentPart,
    OutputFormat,
    ToolCall,
    ToolChoice,
    ToolSpec,
)
from paramstack.gateway.call_request import CallRequest
from paramstack.gateway.protocols.tools import (
    check_tool_turns,
    checked_schema,
    checked_tool_choice,
    checked_tool_names,
)
from paramstack.gateway.schemas import (
    ChatCompletionRequest,
    CompletionRequest,
    ImageUrlPart,
    InputAudioPart,
    JsonObjectFormat,
    JsonSchemaResponseFormat,
    Message,
    NamedToolChoice,
    RefusalPart,
    TextPart,
)

# The body fields the gateway interprets itself; every other field is forwarded as sent to an
# OpenAI-compatible upstream (vLLM's top_k, chat_template_kwargs, guided_json..., OpenAI's newer fields).
INTERPRETED = frozenset(
    {
        "model",
        "messages",
        "prompt",
        "max_tokens",
        "max_completion_tokens",
        "temperature",
        "top_p",
        "n",
        "stream",
        "stream_options",
        "stop",
        "seed",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "response_format",
        "logprobs",
        "top_logprobs",
        "echo",
        "rag",
        "best_of",
        "suffix",
    }
)


def chat_call(body: ChatCompletionRequest, raw_body: Mapping[str, Any]) -> CallRequest:
    tools = tuple(
        _tool(
            tool.function.name,
            tool.function.description,
            tool.function.parameters,
            tool.function.strict,
            f"tools[{i}].function.parameters",
        )
        for i, tool in enumerate(body.tools or ())
    )
    checked_tool_names(tools)
    messages = tuple(_message(m) for m in body.messages)
    check_tool_turns(messages)
    choice = checked_tool_choice(_tool_choice(body.tool_choice, bool(tools)), tools)
    return CallRequest(
        protocol="chat",
        model=body.model,
        messages=messages,
        max_tokens=body.max_tokens,
        temperature=body.temperature,
        top_p=body.top_p,
        stop=body.stop_sequences,
        seed=body.seed,
        stream=body.stream,
        user=body.user,
        rag=body.rag,
        tools=tools,
        tool_choice=choice,
        parallel_tool_calls=body.parallel_tool_calls is not False,
        output_format=_output_format(body),
        logprobs=(body.top_logprobs or 0) if body.logprobs else None,
        passthrough=_passthrough(raw_body),
        id_prefix="chatcmpl-",
    )


def text_call(body: CompletionRequest, raw_body: Mapping[str, Any]) -> CallRequest:
    # the validator leaves one prompt: a string or a list of token ids
    prompt = body.prompt if isinstance(body.prompt, str) else tuple(cast(list[int], body.prompt))
    return CallRequest(
        protocol="text",
        model=body.model,
        prompt=prompt,
        max_tokens=body.max_tokens,
        temperature=body.temperature,
        top_p=body.top_p,
        stop=body.stop_sequences,
        seed=body.seed,
        stream=body.stream,
        user=body.user,
        rag=body.rag,
        logprobs=body.logprobs,
        echo=body.echo,
        passthrough=_passthrough(raw_body),
        id_prefix="cmpl-",
    )


def _passthrough(raw_body: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in raw_body.items() if k not in INTERPRETED}


def _tool(name: str, description: str | None, parameters: Any, strict: bool | None, param: str) -> ToolSpec:
    schema = checked_schema(parameters, param) if parameters is not None else {"type": "object", "properties": {}}
    return ToolSpec(name=name, description=description, parameters=schema, strict=bool(strict))


def _tool_choice(choice: str | NamedToolChoice | None, have_tools: bool) -> ToolChoice:
    if isinstance(choice, NamedToolChoice):
        return ToolChoice("required", choice.function.name)
    if choice is None:
        return ToolChoice("auto" if have_tools else "none")
    return ToolChoice(choice)  # type: ignore[arg-type]


def _output_format(body: ChatCompletionRequest) -> OutputFormat:
    fmt = body.response_format
    if isinstance(fmt, JsonObjectFormat):
        return OutputFormat("json_object")
    if isinstance(fmt, JsonSchemaResponseFormat):
        spec = fmt.json_schema
        schema = checked_schema(spec.schema_ if spec.schema_ is not None else {}, "response_format.json_schema.schema")
        return OutputFormat("json_schema", name=spec.name, schema=schema, strict=bool(spec.strict))
    return OutputFormat()


def _message(message: Message) -> ChatMessage:
    role = "system" if message.role == "developer" else message.role  # "developer" is the newer "system"
    parts: tuple[ContentPart, ...] = ()
    if isinstance(message.content, list):
        parts = tuple(_part(p) for p in message.content)
    content = message.text if message.content is not None else ""
    if message.role == "assistant" and not content and message.refusal:
        content = message.refusal
    calls = tuple(ToolCall(c.id, c.function.name, c.function.arguments) for c in message.tool_calls or ())
    return ChatMessage(
        role=role, content=content, parts=parts, tool_calls=calls, tool_call_id=message.tool_call_id, name=message.name
    )


def _part(part: Any) -> ContentPart:
    if isinstance(part, TextPart):
        return ContentPart("text", text=part.text)
    if isinstance(part, RefusalPart):
        return ContentPart("text", text=part.refusal)
    kind = "image" if isinstance(part, ImageUrlPart) else "audio" if isinstance(part, InputAudioPart) else "file"
    return ContentPart(kind, source=part.model_dump(mode="json", exclude_none=True))  # type: ignore[arg-type]
