"""The internal call translated out again: the JSON body an OpenAI-compatible server (vLLM) is sent.

Field by field as OpenAI's chat completions and completions references define them (vLLM accepts the same):
content parts rebuilt in the caller's order (text parts carry the text the guard passed, other parts go as
the caller sent them), assistant ``tool_calls`` with ``content: null`` when the turn has no text, ``tool``
turns with ``tool_call_id``, ``tools``, ``tool_choice``, ``response_format``, logprobs.

``passthrough`` (the caller's fields the gateway does not interpret: ``top_k``, ``repetition_penalty``,
``chat_template_kwargs``, ...) is forwarded as sent, but never replaces a field the gateway owns: the
gateway decides the model, the prompt, the budget, the streaming and everything it interpreted.
"""

from __future__ import annotations

from typing import Any

from paramstack.engine.protocol import ChatMessage, ContentPart, GenerationRequest, OutputFormat, ToolChoice, ToolSpec
from paramstack.errors import InvalidRequest

CHAT_PATH = "/v1/chat/completions"
COMPLETIONS_PATH = "/v1/completions"

# Fields the gateway sets or interprets: a passthrough field of one of these names is dropped, whether or not
# this request sets it (``n`` > 1 or ``stream_options`` on a non-streamed call would break the relay; the
# legacy ``functions`` would let the model call tools the guard never saw offered).
GATEWAY_FIELDS = frozenset(
    {
        "model",
        "messages",
        "prompt",
        "max_tokens",
        "max_completion_tokens",
        "stream",
        "stream_options",
        "n",
        "temperature",
        "top_p",
        "stop",
        "seed",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "functions",
        "function_call",
        "response_format",
        "logprobs",
        "top_logprobs",
        "echo",
    }
)


def request_body(request: GenerationRequest, model: str) -> tuple[str, dict[str, Any]]:
    """(path, body) of the upstream call for ``request``, sent to the upstream's ``model``."""
    sampling = request.sampling
    body: dict[str, Any] = {k: v for k, v in request.passthrough.items() if k not in GATEWAY_FIELDS}
    stream = streamed(request)
    body.update(
        model=model,
        max_tokens=sampling.max_tokens,
        temperature=sampling.temperature,
        top_p=sampling.top_p,
        stream=stream,
    )
    if stream:
        body["stream_options"] = {"include_usage": True}
    if sampling.stop:
        body["stop"] = list(sampling.stop)
    if sampling.seed is not None:
        body["seed"] = sampling.seed
    if request.messages is None:
        body["prompt"] = list(request.prompt) if isinstance(request.prompt, tuple) else request.prompt
        if request.echo:
            # The echoed tokens tell where the prompt ends in the answer's text, so they are always asked for.
            body["echo"] = True
            body["logprobs"] = request.logprobs or 0
        elif request.logprobs is not None:
            body["logprobs"] = request.logprobs
        return COMPLETIONS_PATH, body
    body["messages"] = [message_json(m) for m in request.messages]
    if request.tools:
        body["tools"] = [tool_json(t) for t in request.tools]
        body["tool_choice"] = tool_choice_json(request.tool_choice)
        if not request.parallel_tool_calls:
            body["parallel_tool_calls"] = False
    if request.output_format.is_json:
        body["response_format"] = response_format_json(request.output_format)
    if request.logprobs is not None:
        body["logprobs"] = True
        body["top_logprobs"] = request.logprobs
    return CHAT_PATH, body


def streamed(request: GenerationRequest) -> bool:
    """Whether the upstream is asked for a stream. An echo is asked for whole: only the whole answer's usage
    says exactly how many of the echoed tokens are the prompt's (vLLM streams prompt and first token as one)."""
    return request.incremental and not (request.messages is None and request.echo)


def message_json(message: ChatMessage) -> dict[str, Any]:
    out: dict[str, Any] = {"role": message.role}
    content: str | list[dict[str, Any]] | None = (
        [part_json(p) for p in message.parts] if message.parts else message.content
    )
    if message.tool_calls:
        out["content"] = content or None  # OpenAI's shape of a turn that only calls tools
        out["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in message.tool_calls
        ]
    else:
        out["content"] = content
    if message.tool_call_id is not None:
        out["tool_call_id"] = message.tool_call_id
    if message.name is not None:
        out["name"] = message.name
    return out


def part_json(part: ContentPart) -> dict[str, Any]:
    if part.kind == "text":
        return {"type": "text", "text": part.text}
    if part.source is None:
        raise InvalidRequest(f"a {part.kind} content part has nothing to send", param="messages")
    return dict(part.source)


def tool_json(tool: ToolSpec) -> dict[str, Any]:
    function: dict[str, Any] = {"name": tool.name, "parameters": dict(tool.parameters)}
    if tool.description is not None:
        function["description"] = tool.description
    if tool.strict:
        function["strict"] = True
    return {"type": "function", "function": function}


def tool_choice_json(choice: ToolChoice) -> str | dict[str, Any]:
    if choice.name is not None and choice.mode != "none":
        return {"type": "function", "function": {"name": choice.name}}
    return choice.mode


def response_format_json(output: OutputFormat) -> dict[str, Any]:
    if output.kind != "json_schema":
        return {"type": output.kind}
    schema: dict[str, Any] = {"name": output.name or "response", "schema": dict(output.schema or {})}
    if output.strict:
        schema["strict"] = True
    return {"type": "json_schema", "json_schema": schema}
