"""The metrics listener: ``GET /metrics`` alone, on its own host and port (``metrics.host``/``metrics.port``).

Its own uvicorn server in a daemon thread with its own event loop: a scrape never queues behind completions
on the public loop, and nothing else (no tenant route, no health endpoint) is reachable through it.
"""

from __future__ import annotations

import threading
import time

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from paramstack.errors import ConfigurationError
from paramstack.observability.metrics import GatewayMetrics


def metrics_app(metrics: GatewayMetrics) -> Starlette:
    async def render(_request: Request) -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return Starlette(routes=[Route("/metrics", render)])


class MetricsListener:
    def __init__(self, metrics: GatewayMetrics, host: str, port: int) -> None:
        config = uvicorn.Config(
            metrics_app(metrics), host=host, port=port, lifespan="off", log_level="warning", access_log=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="metrics-listener", daemon=True)
        self.host, self.port = host, port

    def __enter__(self) -> MetricsListener:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise ConfigurationError(
                    f"the metrics listener could not listen on {self.host}:{self.port} (metrics.host, metrics.port)"
                )
            time.sleep(0.02)
        if self.port == 0:
            self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    def __exit__(self, *_: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
