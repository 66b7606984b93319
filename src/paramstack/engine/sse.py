"""Server-sent events off an aiohttp body: the lines however long, and the events they make."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

from paramstack.errors import UpstreamError


async def sse_lines(content: aiohttp.StreamReader) -> AsyncIterator[str]:
    """The body's lines, however long (aiohttp's own line iterator refuses lines over its buffer size)."""
    pending = b""
    async for data in content.iter_any():
        pending += data
        *lines, pending = pending.split(b"\n")
        for line in lines:
            yield line.decode("utf-8", errors="replace").rstrip("\r")
    if pending:
        yield pending.decode("utf-8", errors="replace").rstrip("\r")


async def sse_json_events(content: aiohttp.StreamReader) -> AsyncIterator[dict[str, Any]]:
    """Each event's ``data`` as JSON (``[DONE]`` and comments skipped; the body is read to its end)."""
    async for line in sse_lines(content):
        if not line.startswith("data:"):
            continue
        data = line.removeprefix("data:").strip()
        if not data or data == "[DONE]":
            continue
        try:
            payload = json.loads(data)
        except ValueError:
            raise UpstreamError(f"upstream sent an event that is not JSON: {data[:100]!r}") from None
        if isinstance(payload, dict):
            yield payload


def describe(error: Exception) -> str:
    if isinstance(error, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
        return f"could not connect ({type(error).__name__})"
    if isinstance(error, TimeoutError):
        return f"no answer in time ({type(error).__name__})"
    return type(error).__name__
