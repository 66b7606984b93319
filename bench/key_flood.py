"""The bad-key flood scenario of ``bench/gateway.py``: a legitimate tenant at a fixed rate, first alone, then
while a second client floods random bad keys; the tenant's p50/p99 of both halves, in the same run.

The flooder is its own process (its CPU is not the load generator's) on the same address as the tenant (the
worst case: a shared NAT), sending as fast as ``FLOOD_CONNECTIONS`` keep-alive connections go. Once its
address is refused, each bad key costs the gateway one 429: no database query, no body read.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import secrets
import time
from collections.abc import Callable
from typing import Any

FLOOD_RATE = 100  # the tenant's requests per second
FLOOD_CONNECTIONS = 8
BODY = {"model": "paramstack-tiny", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 8}


def flood_process(port: int, seconds: float, out: Any) -> None:
    """Entry point of the flooding client's own process."""
    out.put(asyncio.run(flood_bad_keys(port, seconds)))


async def flood_bad_keys(port: int, seconds: float) -> dict[str, Any]:
    """Closed loop on raw keep-alive connections (a lean client: on a small machine an expensive one would
    measure the flooder's CPU, not the gateway's)."""
    statuses: dict[str, int] = {}
    deadline = time.perf_counter() + seconds
    body = json.dumps(BODY).encode()

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while time.perf_counter() < deadline:
            key = "psk-" + secrets.token_urlsafe(32)
            writer.write(
                f"POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json"
                f"\r\nauthorization: Bearer {key}\r\ncontent-length: {len(body)}\r\n\r\n".encode()
                + body
            )
            try:
                head = (await reader.readuntil(b"\r\n\r\n")).lower()
                start = head.index(b"content-length:") + len(b"content-length:")
                await reader.readexactly(int(head[start : head.index(b"\r\n", start)]))
                status = str(int(head[9:12]))
            except (OSError, asyncio.IncompleteReadError, ValueError):
                status = "connection error"
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            statuses[status] = statuses.get(status, 0) + 1
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(FLOOD_CONNECTIONS)))
    sent = sum(statuses.values())
    return {"sent": sent, "rps": round(sent / (time.perf_counter() - started), 1), "statuses": statuses}


def under_flood(at_rate: Callable[[int, float], dict[str, Any]], port: int, seconds: float) -> dict[str, Any]:
    """``at_rate(rate, seconds)``: the tenant's open-loop load, returning its summary (p50_ms, p99_ms, errors)."""
    at_rate(50, 1.0)  # warm up: connections, and the tenant's key in the gateway's cache
    quiet = at_rate(FLOOD_RATE, seconds)
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    flooder = context.Process(target=flood_process, args=(port, seconds + 3.0, out))
    flooder.start()
    time.sleep(2.0)  # the flood is under way (and its address refused) before the tenant's second half starts
    loud = at_rate(FLOOD_RATE, seconds)
    flood = out.get(timeout=120)
    flooder.join(timeout=30)
    return {
        "rate": FLOOD_RATE,
        "without_flood": quiet,
        "with_flood": loud,
        "flood": flood,
        "p50_ratio": round(loud["p50_ms"] / quiet["p50_ms"], 2),
        "p99_ratio": round(loud["p99_ms"] / quiet["p99_ms"], 2),
    }


def flood_table(results: dict[str, Any]) -> str:
    lines = [f"\nbad-key flood: tenant at {FLOOD_RATE} req/s, p50 / p99 ms without -> with the flood"]
    for name, scenario in results.items():
        quiet, loud, flood = scenario["without_flood"], scenario["with_flood"], scenario["flood"]
        lines.append(
            f"  {name:<16} {quiet['p50_ms']:>7.2f} / {quiet['p99_ms']:>7.2f} -> {loud['p50_ms']:>7.2f} / "
            f"{loud['p99_ms']:>7.2f}  (x{scenario['p50_ratio']} / x{scenario['p99_ratio']}; tenant errors "
            f"{quiet['errors']} -> {loud['errors']}; flood {flood['rps']} req/s, {flood['statuses']})"
        )
    return "\n".join(lines)
