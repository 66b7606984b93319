"""The request body of ``POST /v1/messages`` and ``/v1/messages/count_tokens``, as Anthropic defines it.

``cache_control`` and ``citations`` on blocks, ``top_k``, ``metadata`` and ``service_tier`` are accepted and
have no effect here; ``thinking`` is refused (no model here reasons in a separate channel).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from paramstack.gateway.protocols.text_or_parts import TEXT_OR_PARTS, parts_of_string

MAX_STOP_SEQUENCES = 16


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cache_control: dict[str, Any] | None = None


class TextBlock(_Block):
    type: Literal["text"]
    text: str
    citations: list[dict[str, Any]] | None = None


class Base64Source(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["base64"]
    media_type: Literal["image/jpeg", "image/png", "image/gif", "image/webp"]
    data: str = Field(max_length=20_000_000)


class UrlSource(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["url"]
    url: str = Field(max_length=8192)


class ImageBlock(_Block):
    type: Literal["image"]
    source: Annotated[Base64Source | UrlSource, Field(discriminator="type")]


class ToolUseBlock(_Block):
    type: Literal["tool_use"]
    id: str = Field(min_length=1, max_length=256)
    name: str = Field(min_length=1, max_length=256)
    input: dict[str, Any]


class ToolResultBlock(_Block):
    type: Literal["tool_result"]
    tool_use_id: str = Field(min_length=1, max_length=256)
    content: Annotated[list[Annotated[TextBlock | ImageBlock, Field(discriminator="type")]], TEXT_OR_PARTS] = Field(
        default_factory=list
    )
    is_error: bool = False

    @model_validator(mode="before")
    @classmethod
    def _string_content(cls, data: Any) -> Any:
        return parts_of_string(data, "content", "text")


Block = Annotated[TextBlock | ImageBlock | ToolUseBlock | ToolResultBlock, Field(discriminator="type")]


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["user", "assistant"]
    content: Annotated[list[Block], TEXT_OR_PARTS]

    @model_validator(mode="before")
    @classmethod
    def _string_content(cls, data: Any) -> Any:
        return parts_of_string(data, "content", "text")


class Tool(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["custom"] | None = None
    name: str = Field(min_length=1, max_length=128, pattern=r"^[a-zA-Z0-9_-]{1,128}$")
    description: str | None = None
    input_schema: dict[str, Any]
    cache_control: dict[str, Any] | None = None
    strict: bool | None = None


class ToolChoiceAuto(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["auto"]
    disable_parallel_tool_use: bool = False


class ToolChoiceAny(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["any"]
    disable_parallel_tool_use: bool = False


class ToolChoiceTool(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["tool"]
    name: str
    disable_parallel_tool_use: bool = False


class ToolChoiceNone(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["none"]


ToolChoice = Annotated[ToolChoiceAuto | ToolChoiceAny | ToolChoiceTool | ToolChoiceNone, Field(discriminator="type")]


class JsonOutputFormat(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["json_schema"]
    schema_: dict[str, Any] = Field(alias="schema")


class OutputConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: JsonOutputFormat | None = None  # structured output
    effort: Literal["low", "medium", "high", "xhigh", "max"] | None = None  # accepted, no effect here


class Prompt(BaseModel):
    """What ``count_tokens`` takes: the prompt part of a request."""

    model_config = ConfigDict(extra="forbid")
    model: str = Field(min_length=1, max_length=256)
    messages: list[Message] = Field(min_length=1)
    system: str | list[TextBlock] | None = None
    tools: list[Tool] = Field(default_factory=list, max_length=128)
    tool_choice: ToolChoice | None = None
    output_config: OutputConfig | None = None
    thinking: None = None
    # accepted, no effect here (prompt caching, placement and routing hints of Anthropic's platform)
    cache_control: dict[str, Any] | None = None
    container: Any = None
    inference_geo: str | None = None
    speed: Literal["standard", "fast"] | None = None
    user_profile_id: str | None = None
    workspace_id: str | None = None
    diagnostics: Any = None


class MessageCreate(Prompt):
    max_tokens: int = Field(ge=1)
    stop_sequences: list[Annotated[str, Field(min_length=1)]] = Field(
        default_factory=list, max_length=MAX_STOP_SEQUENCES
    )
    temperature: float | None = Field(default=None, ge=0.0, le=1.0)
    top_p: float | None = Field(default=None, gt=0.0, le=1.0)
    top_k: int | None = Field(default=None, ge=0)
    stream: bool = False
    metadata: dict[str, Any] | None = None
    service_tier: Literal["auto", "standard_only"] | None = None
    rag: bool | None = Field(
        default=None,
        description=(
            "paramstack extension: retrieve from the tenant's RAG collection; omitted: the tenant's rag_by_default"
        ),
    )
