"""The request body of ``POST /v1/responses``, as OpenAI defines it (the parts paramstack serves).

Fields OpenAI accepts that change nothing here (``include``, ``truncation``, ``reasoning`` on a model
that does not reason, ``service_tier``, cache keys) are accepted and ignored; anything else is a 400 that
names the field, as OpenAI answers an unknown parameter.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, WithJsonSchema, field_validator, model_validator

from paramstack.engine.protocol import MAX_TOP_LOGPROBS
from paramstack.gateway.protocols.text_or_parts import TEXT_OR_PARTS, parts_of_string


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InputText(_Strict):
    type: Literal["input_text"]
    text: str


class OutputText(BaseModel):
    """An earlier assistant answer sent back as input (annotations and logprobs are accepted, unused)."""

    model_config = ConfigDict(extra="ignore")
    type: Literal["output_text"]
    text: str


class Refusal(_Strict):
    type: Literal["refusal"]
    refusal: str


class InputImage(_Strict):
    type: Literal["input_image"]
    image_url: str | None = Field(default=None, max_length=20_000_000)
    file_id: str | None = None
    detail: Literal["low", "high", "auto", "original"] = "auto"


class InputFile(_Strict):
    type: Literal["input_file"]
    file_id: str | None = None
    file_data: str | None = None
    file_url: str | None = None
    filename: str | None = None


ContentPart = Annotated[InputText | OutputText | Refusal | InputImage | InputFile, Field(discriminator="type")]


class MessageItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["message"] = "message"
    role: Literal["user", "assistant", "system", "developer"]
    content: Annotated[list[ContentPart], TEXT_OR_PARTS]
    id: str | None = None  # an earlier output item sent back
    status: Literal["in_progress", "completed", "incomplete"] | None = None

    @model_validator(mode="before")
    @classmethod
    def _string_content(cls, data: Any) -> Any:
        return parts_of_string(data, "content", "input_text")


class FunctionCallItem(_Strict):
    type: Literal["function_call"]
    call_id: str = Field(min_length=1, max_length=256)
    name: str = Field(min_length=1, max_length=256)
    arguments: str
    id: str | None = None
    status: Literal["in_progress", "completed", "incomplete"] | None = None


class FunctionCallOutputItem(_Strict):
    type: Literal["function_call_output"]
    call_id: str = Field(min_length=1, max_length=256)
    output: Annotated[list[Annotated[InputText | InputImage | InputFile, Field(discriminator="type")]], TEXT_OR_PARTS]
    id: str | None = None
    status: Literal["in_progress", "completed", "incomplete"] | None = None

    @model_validator(mode="before")
    @classmethod
    def _string_output(cls, data: Any) -> Any:
        return parts_of_string(data, "output", "input_text")


def _item_type(item: Any) -> str:
    """A message item may omit its ``type`` (OpenAI's "easy input message")."""
    if isinstance(item, dict):
        return str(item.get("type", "message"))
    return str(getattr(item, "type", "message"))


InputItem = Annotated[
    Annotated[MessageItem, Tag("message")]
    | Annotated[FunctionCallItem, Tag("function_call")]
    | Annotated[FunctionCallOutputItem, Tag("function_call_output")],
    Discriminator(
        _item_type,
        custom_error_type="invalid_item_type",
        custom_error_message="unknown input item type: paramstack takes 'message', 'function_call' "
        "and 'function_call_output' items",
    ),
]


class FunctionTool(_Strict):
    type: Literal["function"]
    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class NamedFunction(_Strict):
    type: Literal["function"]
    name: str


class TextFormat(_Strict):
    type: Literal["text", "json_object", "json_schema"] = "text"
    name: str | None = Field(default=None, max_length=64)
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")
    description: str | None = None
    strict: bool | None = None


class TextConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")  # verbosity: accepted, the models here have one register
    format: TextFormat = Field(default_factory=TextFormat)


class ResponseCreate(_Strict):
    model: str = Field(min_length=1, max_length=256)
    # A string is one user message (normalised before validation, so errors point into the items).
    input: Annotated[
        list[InputItem],
        WithJsonSchema(
            {
                "anyOf": [
                    {"type": "string", "minLength": 1},
                    {"type": "array", "minItems": 1, "items": {"type": "object"}},
                ]
            }
        ),
    ] = Field(min_length=1)
    instructions: str | None = None
    tools: list[FunctionTool] = Field(default_factory=list, max_length=128)
    tool_choice: Literal["none", "auto", "required"] | NamedFunction = "auto"
    parallel_tool_calls: bool = True
    text: TextConfig | None = None
    max_output_tokens: Annotated[int, Field(ge=16)] | None = None
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    top_p: float | None = Field(default=None, gt=0.0, le=1.0)
    top_logprobs: int | None = Field(default=None, ge=0, le=MAX_TOP_LOGPROBS)
    metadata: dict[str, Annotated[str, Field(max_length=512)]] | None = Field(default=None, max_length=16)
    store: bool = True
    previous_response_id: str | None = Field(default=None, min_length=1, max_length=80)
    stream: bool = False
    user: str | None = Field(default=None, max_length=256)
    rag: bool | None = Field(
        default=None,
        description=(
            "paramstack extension: retrieve from the tenant's RAG collection; omitted: the tenant's rag_by_default"
        ),
    )
    # accepted, no effect here
    include: list[str] | None = None
    truncation: Literal["auto", "disabled"] | None = None
    reasoning: dict[str, Any] | None = None
    service_tier: str | None = None
    prompt_cache_key: str | None = None
    safety_identifier: str | None = None
    stream_options: dict[str, Any] | None = None
    background: Literal[False] | None = None

    @model_validator(mode="before")
    @classmethod
    def _string_input(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("input"), str):
            if not data["input"]:
                raise ValueError("input must not be empty")
            return {**data, "input": [{"type": "message", "role": "user", "content": data["input"]}]}
        return data

    @field_validator("metadata")
    @classmethod
    def _metadata_keys(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value and any(len(key) > 64 for key in value):
            raise ValueError("metadata keys are at most 64 characters")
        return value
