"""POST /v1/embeddings, as OpenAI serves it (float or base64 vectors, usage in tokens).

Metered like a completion (``Pipeline.metered``): the tenant's RPM/TPS windows, concurrency cap and daily
token quota apply, the input tokens are billed at the tenant's input price in the usage ledger, and the
call is in the audit chain. The quota reservation is the inputs' UTF-8 length plus two per input, an
upper bound on the tokens of any tokenizer whose tokens cover at least one byte (WordPiece, byte-level
BPE), settled to the tokens the model really read.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Annotated, Literal

import numpy as np
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from paramstack.errors import InvalidRequest, ModelNotFound
from paramstack.gateway.routes.rag import rag_service
from paramstack.gateway.services import Services, services
from paramstack.rag.embedders.protocol import Embeddings
from paramstack.rag.service import RagService

router = APIRouter(tags=["embeddings"])
MAX_INPUTS = 2048  # OpenAI's limit per request


class EmbeddingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1, max_length=256)
    input: str | list[str] | list[int] | list[list[int]]
    encoding_format: Literal["float", "base64"] = "float"
    dimensions: int | None = Field(default=None, ge=1)
    user: str | None = Field(default=None, max_length=256)

    def texts(self) -> list[str]:
        texts = [self.input] if isinstance(self.input, str) else self.input
        if not texts:
            raise InvalidRequest("'input' must not be an empty list", param="input", code="invalid_value")
        if len(texts) > MAX_INPUTS:
            raise InvalidRequest(f"at most {MAX_INPUTS} inputs per request", param="input", code="invalid_value")
        if not all(isinstance(text, str) for text in texts):
            raise InvalidRequest(
                "token arrays are not supported here; send the text", param="input", code="invalid_value"
            )
        if any(not text.strip() for text in texts):  # type: ignore[union-attr]
            raise InvalidRequest("inputs must not be empty strings", param="input", code="invalid_value")
        return texts  # type: ignore[return-value]


@router.post("/v1/embeddings")
async def create_embeddings(
    body: EmbeddingRequest,
    request: Request,
    svc: Annotated[Services, Depends(services)],
    rag: Annotated[RagService, Depends(rag_service)],
) -> JSONResponse:
    caller = await svc.tenant_caller(request)  # a missing or wrong key is refused before anything else is looked at
    if body.model != rag.embedder.name:
        raise ModelNotFound(
            f"The model '{body.model}' does not exist; this server embeds with '{rag.embedder.name}'", param="model"
        )
    texts = body.texts()

    async def embed() -> tuple[Embeddings, int]:
        result = await asyncio.to_thread(rag.embed, texts)
        if body.dimensions is not None and body.dimensions != result.dims:  # refused: not charged
            raise InvalidRequest(
                f"'{rag.embedder.name}' makes {result.dims}-dimensional vectors and cannot shorten them",
                param="dimensions",
                code="invalid_value",
            )
        return result, result.tokens

    reserve = sum(len(text.encode("utf-8")) + 2 for text in texts)
    result, headers = await svc.pipeline.metered(
        caller, rag.embedder.name, body.model_dump(exclude_none=True), reserve, embed
    )
    return JSONResponse(
        {
            "object": "list",
            "data": [
                {"object": "embedding", "index": i, "embedding": _encoded(vector, body.encoding_format)}
                for i, vector in enumerate(result.vectors)
            ],
            "model": rag.embedder.name,
            "usage": {"prompt_tokens": result.tokens, "total_tokens": result.tokens},
        },
        headers=headers,
    )


def _encoded(vector: np.ndarray, encoding: str) -> list[float] | str:
    if encoding == "base64":  # what the openai client asks for by default: little-endian float32
        return base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode("ascii")
    return [float(x) for x in vector]
