"""Any OpenAI-compatible ``POST /v1/embeddings`` (OpenAI, vLLM, TEI, another paramstack)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
import numpy as np

from paramstack.errors import UpstreamError
from paramstack.rag.embedders.protocol import Embeddings, normalised


class OpenAIEmbedder:
    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        batch_size: int = 64,
        timeout_s: float = 60.0,
        name: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._url = base_url.rstrip("/") + "/embeddings"
        self._model = model
        self._name = name or model
        self._batch_size = batch_size
        headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=timeout_s, headers=headers, transport=transport)

    @property
    def name(self) -> str:
        return self._name

    def embed(self, texts: Sequence[str]) -> Embeddings:
        rows: list[list[float]] = []
        tokens = 0
        for start in range(0, len(texts), self._batch_size):
            batch = list(texts[start : start + self._batch_size])
            body = self._post({"model": self._model, "input": batch, "encoding_format": "float"})
            data = sorted(body.get("data", []), key=lambda item: item.get("index", 0))
            if len(data) != len(batch):
                raise UpstreamError(f"embedding server returned {len(data)} vectors for {len(batch)} inputs")
            rows.extend(item["embedding"] for item in data)
            tokens += int((body.get("usage") or {}).get("prompt_tokens", 0))
        if not rows:
            return Embeddings(np.zeros((0, 0), dtype=np.float32), 0)
        return Embeddings(normalised(np.asarray(rows, dtype=np.float32)), tokens)

    def close(self) -> None:
        self._client.close()

    def _post(self, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._client.post(self._url, json=payload)
        except httpx.HTTPError as error:
            raise UpstreamError(f"embedding server {self._url} unreachable: {error}") from None
        if response.status_code != 200:
            raise UpstreamError(f"embedding server {self._url} answered {response.status_code}: {response.text[:300]}")
        try:
            body = response.json()
        except ValueError:
            raise UpstreamError(f"embedding server {self._url} answered with invalid JSON") from None
        if not isinstance(body, dict):
            raise UpstreamError(f"embedding server {self._url} answered with JSON that is not an object")
        return body
