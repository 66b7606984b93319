"""Fixtures of the preference-loop tests: demo prompts, a signing key, tiny real HTTP servers."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def demo_prompts(tmp_path_factory) -> tuple[Path, Path]:
    from paramstack.train.demo_prompts import write_demo_prompts

    return write_demo_prompts(tmp_path_factory.mktemp("prompts") / "prompts.jsonl", train=12, heldout=4)


@pytest.fixture
def signer(tmp_path):
    """A Signer with a fresh Ed25519 key (what `paramstack attest keygen` makes)."""
    from paramstack.attest import SigningKeyStore
    from paramstack.train.signing import Signer

    store = SigningKeyStore(tmp_path / "keys")
    store.generate()
    return Signer(store.load())


@dataclass
class ChatServer:
    """A real HTTP server speaking just enough of /v1/chat/completions;
    ``reply(body) -> (status, text)`` or ``(status, text, headers)``."""

    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def chat_server() -> Iterator[Callable[[Callable[[dict[str, Any]], tuple[int, str]]], ChatServer]]:
    servers: list[ThreadingHTTPServer] = []

    def start(reply: Callable[[dict[str, Any]], tuple[int, str]]) -> ChatServer:
        record = ChatServer(url="")

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                record.requests.append(body)
                status, text, *extra = reply(body)
                payload = text.encode()
                try:
                    self.send_response(status)
                    for name, value in (extra[0] if extra else {}).items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a judge timeout): that is what some tests want

            def log_message(self, *args: Any) -> None:
                return None

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        record.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        return record

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def completion(content: str, prompt_tokens: int = 50, completion_tokens: int = 10) -> str:
    """An OpenAI chat completion whose message says ``content``."""
    return json.dumps(
        {
            "id": "x",
            "object": "chat.completion",
            "model": "judge",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
    )
