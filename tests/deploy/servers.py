"""Real HTTP servers for the rollout tests, each on its own port in a background thread.

- ``FakeVllm``: a small OpenAI-compatible server that behaves like vLLM where the tests need it (SSE
  streaming or one JSON answer, as the request's ``stream`` says; ``/v1/models``, runtime LoRA
  endpoints) and fails on command (503s, slow replies, errors for
  one model name only). Its answers name the model that served them, so a test can tell which adapter
  version a user got.
- ``Recorder``: answers every request with a fixed JSON body and keeps what it received (a webhook
  receiver, or a stand-in for the Kubernetes API server: no cluster can run here).
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ThreadedServer:
    """uvicorn serving ``app`` on 127.0.0.1 in a daemon thread (its own event loop)."""

    def __init__(self, app: Any) -> None:
        self.port = free_port()
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
            lifespan="auto",
            proxy_headers=False,
        )  # the app alone judges X-Forwarded-For
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ThreadedServer:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@dataclass
class Behaviour:
    status: int | None = None  # answer this status instead of a completion
    fail_times: int | None = None  # only the first N requests fail (None: all)
    delay_s: float = 0.0  # before the first byte
    served: int = 0


@dataclass
class FakeVllm:
    base_model: str = "base"
    runtime_lora: bool = True
    behaviours: dict[str, Behaviour] = field(default_factory=dict)
    served_models: set[str] = field(default_factory=set)
    loads: list[dict[str, Any]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)  # "load:<name>", "complete:<model>" in arrival order
    streamed: list[bool] = field(default_factory=list)  # per completion: did the request ask for a stream
    arrivals: list[tuple[float, str]] = field(default_factory=list)  # (wall clock, model) of completions

    def __post_init__(self) -> None:
        self.served_models.add(self.base_model)
        routes = [
            Route("/v1/models", self._models),
            Route("/v1/chat/completions", self._chat, methods=["POST"]),
            Route("/v1/completions", self._text, methods=["POST"]),
        ]
        if self.runtime_lora:  # vLLM registers these only with VLLM_ALLOW_RUNTIME_LORA_UPDATING=True
            routes += [
                Route("/v1/load_lora_adapter", self._load, methods=["POST"]),
                Route("/v1/unload_lora_adapter", self._unload, methods=["POST"]),
            ]
        self.app = Starlette(routes=routes)

    def behave(self, model: str, **kwargs: Any) -> None:
        self.behaviours[model] = Behaviour(**kwargs)

    async def _models(self, _request: Request) -> Response:
        models = [{"id": m, "object": "model"} for m in sorted(self.served_models)]
        return JSONResponse({"object": "list", "data": models})

    async def _load(self, request: Request) -> Response:
        body = await request.json()
        name = body["lora_name"]
        if name in self.served_models:
            return Response(f"The lora adapter '{name}' has already been loaded.", status_code=400)
        self.loads.append(body)
        self.calls.append(f"load:{name}")
        self.served_models.add(name)
        return Response(f"Success: LoRA adapter '{name}' added successfully.")

    async def _unload(self, request: Request) -> Response:
        self.served_models.discard((await request.json())["lora_name"])
        return Response("Success")

    async def _chat(self, request: Request) -> Response:
        return await self._complete(await request.json(), chat=True)

    async def _text(self, request: Request) -> Response:
        return await self._complete(await request.json(), chat=False)

    async def _complete(self, body: dict[str, Any], *, chat: bool) -> Response:
        model = body["model"]
        self.calls.append(f"complete:{model}")
        self.arrivals.append((time.time(), model))
        if model not in self.served_models:
            return JSONResponse(
                {"error": {"message": f"The model `{model}` does not exist.", "code": 404}}, status_code=404
            )
        behaviour = self.behaviours.get(model, Behaviour())
        behaviour.served += 1
        if behaviour.delay_s:
            await asyncio.sleep(behaviour.delay_s)
        failing = behaviour.fail_times is None or behaviour.served <= behaviour.fail_times
        if behaviour.status is not None and failing:
            return JSONResponse(
                {"error": {"message": "overloaded", "code": behaviour.status}},
                status_code=behaviour.status,
                headers={"retry-after": "0"},
            )
        words = ["served", "by", model]
        usage = {"prompt_tokens": 5, "completion_tokens": len(words), "total_tokens": 5 + len(words)}
        self.streamed.append(bool(body.get("stream")))
        if not body.get("stream"):
            text = " ".join(words)
            choice = (
                {"index": 0, "message": {"role": "assistant", "content": text}} if chat else {"index": 0, "text": text}
            )
            return JSONResponse(
                {
                    "id": "cmpl-fake",
                    "object": "chat.completion" if chat else "text_completion",
                    "choices": [{**choice, "finish_reason": "stop"}],
                    "usage": usage,
                }
            )

        async def events():  # type: ignore[no-untyped-def]
            for index, word in enumerate(words):
                text = word if index == 0 else f" {word}"
                choice = {"index": 0, "delta": {"content": text}} if chat else {"index": 0, "text": text}
                yield f"data: {json.dumps({'choices': [{**choice, 'finish_reason': None}]})}\n\n"
            last = {"index": 0, "delta": {}} if chat else {"index": 0, "text": ""}
            yield f"data: {json.dumps({'choices': [{**last, 'finish_reason': 'stop'}]})}\n\n"
            yield f"data: {json.dumps({'choices': [], 'usage': usage})}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")


@dataclass
class Recorded:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any


class Recorder:
    def __init__(self, answer: dict[str, Any] | None = None, status: int = 200) -> None:
        self.requests: list[Recorded] = []
        self._answer = answer or {}
        self._status = status
        self.app = Starlette(
            routes=[Route("/{path:path}", self._record, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])]
        )

    async def _record(self, request: Request) -> Response:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        self.requests.append(Recorded(request.method, request.url.path, request.url.query, dict(request.headers), body))
        return JSONResponse(self._answer, status_code=self._status)
