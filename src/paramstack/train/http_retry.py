"""POST to an OpenAI-style API politely: wait out rate limits (429) and brief overloads (503) as the
server asks (``retry-after-ms``, ``Retry-After``), with jittered exponential backoff otherwise.

A rate-limited tenant is the normal case when RLAIF samples through the gateway: waiting is correct, and
it is not a judge failure (those are counted separately, in chat_judge.py).
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import httpx

WAIT_STATUS = {429, 503}
MAX_WAIT_S = 30.0


async def post_with_backoff(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], *, attempts: int = 8
) -> httpx.Response:
    """The first response that is not a 429/503, or the last one after ``attempts`` tries."""
    response = await client.post(path, json=body)
    for attempt in range(1, attempts):
        if response.status_code not in WAIT_STATUS:
            break
        await asyncio.sleep(_wait_s(response, attempt))
        response = await client.post(path, json=body)
    return response


def _wait_s(response: httpx.Response, attempt: int) -> float:
    headers = response.headers
    try:
        if "retry-after-ms" in headers:
            wait = float(headers["retry-after-ms"]) / 1000
        elif "retry-after" in headers:
            wait = float(headers["retry-after"])
        else:
            wait = 0.25 * 2**attempt
    except ValueError:  # an HTTP-date Retry-After: rare from these APIs; back off instead
        wait = 0.25 * 2**attempt
    return min(MAX_WAIT_S, wait) * random.uniform(1.0, 1.2)  # jitter: concurrent callers do not retry in step
