"""The least a Python gateway can do: forward each request to the upstream and return its answer, nothing else.

The gateway benchmark measures it beside the real gateway, in the same run, on the same server stack (uvicorn
with uvloop and httptools, Starlette, one aiohttp keep-alive pool): no authentication, limits, guard, signing,
ledger or audit. Its throughput is the ceiling for any gateway written this way on the machine at hand, so the
gateway's figures read as a share of it, and a target above it is out of reach for Python on that machine.

    python bench/bare_proxy.py --port 9100 --upstream http://127.0.0.1:9000
"""

from __future__ import annotations

import argparse
from contextlib import asynccontextmanager

import aiohttp
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route


def proxy_app(upstream: str) -> Starlette:
    sessions: list[aiohttp.ClientSession] = []  # one, made inside the server's event loop

    @asynccontextmanager
    async def lifespan(_: Starlette):
        sessions.append(aiohttp.ClientSession(upstream, connector=aiohttp.TCPConnector(limit=0)))
        yield
        await sessions.pop().close()

    async def forward(request: Request) -> Response:
        async with sessions[0].post(
            request.url.path, data=await request.body(), headers={"content-type": "application/json"}
        ) as answer:
            return Response(await answer.read(), answer.status, media_type="application/json")

    async def ready(_: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[Route("/v1/chat/completions", forward, methods=["POST"]), Route("/readyz", ready)], lifespan=lifespan
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="base URL of the OpenAI-compatible upstream")
    args = parser.parse_args()
    uvicorn.run(proxy_app(args.upstream), host="127.0.0.1", port=args.port, access_log=False, log_level="warning")


if __name__ == "__main__":
    main()
