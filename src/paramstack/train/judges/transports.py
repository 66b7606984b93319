"""Sending a judge's messages: any OpenAI-compatible chat endpoint, or Anthropic's Messages API.

Plain httpx, no vendor SDK: the judge needs one call and its token usage. Keys come from the environment
(``OPENAI_API_KEY``, ``ANTHROPIC_API_KEY``) and are never logged or echoed in errors.
"""

from __future__ import annotations

from typing import Any

import httpx

from paramstack.train.http_retry import post_with_backoff
from paramstack.train.judges.chat_judge import TransportError

ANTHROPIC_URL = "https://api.anthropic.com"
ANTHROPIC_VERSION = "2023-06-01"
RETRYABLE_STATUS = {408, 409, 429, 500, 502, 503, 504}


class OpenAIChatTransport:
    """``POST {base_url}/chat/completions``; asks for a JSON object where the server supports it."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None,
        *,
        timeout_s: float = 60.0,
        max_tokens: int = 512,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.model = model
        self.max_tokens = max_tokens
        self.json_mode = True  # switched off once if the server refuses response_format (paramstack's does)
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = client or httpx.AsyncClient(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout_s)

    async def complete(self, messages: list[dict[str, str]]) -> tuple[str, int, int]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": 0,
            "max_tokens": self.max_tokens,
        }
        if self.json_mode:
            body["response_format"] = {"type": "json_object"}
        response = await _post(self._client, "/chat/completions", body)
        if response.status_code == 400 and self.json_mode and "response_format" in response.text:
            self.json_mode = False
            body.pop("response_format")
            response = await _post(self._client, "/chat/completions", body)
        data = _json_body(response)
        try:
            text = data["choices"][0]["message"]["content"] or ""
        except (KeyError, IndexError, TypeError):
            raise TransportError("the reply is not an OpenAI chat completion") from None
        usage = data.get("usage") or {}
        return str(text), int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)

    async def aclose(self) -> None:
        await self._client.aclose()


class AnthropicTransport:
    """``POST /v1/messages`` (the system prompt goes in ``system``, not in the messages)."""

    def __init__(
        self, model: str, api_key: str, *, base_url: str = ANTHROPIC_URL, timeout_s: float = 60.0, max_tokens: int = 512
    ) -> None:
        self.model = model
        self.max_tokens = max_tokens
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=timeout_s,
            headers={"x-api-key": api_key, "anthropic-version": ANTHROPIC_VERSION},
        )

    async def complete(self, messages: list[dict[str, str]]) -> tuple[str, int, int]:
        system = "\n".join(m["content"] for m in messages if m["role"] == "system")
        turns = [m for m in messages if m["role"] != "system"]
        body = {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "temperature": 0,
            "system": system,
            "messages": turns,
        }
        data = _json_body(await _post(self._client, "/v1/messages", body))
        try:
            text = "".join(block.get("text", "") for block in data["content"] if block.get("type") == "text")
        except (KeyError, TypeError, AttributeError):
            raise TransportError("the reply is not an Anthropic message") from None
        usage = data.get("usage") or {}
        return text, int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0)

    async def aclose(self) -> None:
        await self._client.aclose()


async def _post(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> httpx.Response:
    try:
        response = await post_with_backoff(client, path, body)
    except httpx.TimeoutException:
        raise TransportError(f"timed out after {client.timeout.read}s") from None
    except httpx.HTTPError as error:
        raise TransportError(f"{type(error).__name__}: {error}") from None
    if response.status_code in RETRYABLE_STATUS:
        raise TransportError(f"HTTP {response.status_code}: {response.text[:200]}")
    return response


def _json_body(response: httpx.Response) -> dict[str, Any]:
    if response.status_code >= 400:
        # A 4xx other than the retryable ones will not get better by asking again, but the caller still
        # records the prompt as failed rather than stopping the run: report it as a failed call.
        raise TransportError(f"HTTP {response.status_code}: {response.text[:200]}")
    try:
        data = response.json()
    except ValueError:
        raise TransportError(f"the reply is not JSON (began {response.text[:60]!r})") from None
    if not isinstance(data, dict):
        raise TransportError("the reply is not a JSON object")
    return data
