"""A real TCP proxy in front of Redis that a test can break on purpose.

Modes: ``forward``; ``drop_script_replies`` (a script call reaches Redis and runs, then the connection
drops before its reply gets back: "Redis dropped the connection mid-script" as the client sees it);
``down`` (every connection is closed at once, as if Redis went away).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading


class TcpProxy:
    def __init__(self, upstream_host: str = "127.0.0.1", upstream_port: int = 6379) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.mode = "forward"
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._writers: set[asyncio.StreamWriter] = set()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> TcpProxy:
        self._thread.start()
        self._ready.wait(5)
        return self

    def set_mode(self, mode: str) -> None:
        assert mode in ("forward", "drop_script_replies", "down")
        self.mode = mode
        if mode == "down":
            self._loop.call_soon_threadsafe(self._close_all)

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    def _close_all(self) -> None:
        for writer in list(self._writers):
            writer.close()

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        if self.mode == "down":
            client_w.close()
            return
        try:
            up_r, up_w = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_w.close()
            return
        self._writers |= {client_w, up_w}
        script_sent = asyncio.Event()

        async def to_upstream() -> None:
            while data := await client_r.read(65536):
                if self.mode == "drop_script_replies" and b"EVAL" in data.upper():
                    script_sent.set()
                up_w.write(data)
                await up_w.drain()

        async def to_client() -> None:
            while data := await up_r.read(65536):
                if script_sent.is_set():  # Redis ran it; the reply never arrives
                    return
                client_w.write(data)
                await client_w.drain()

        with contextlib.suppress(OSError, ConnectionError):
            await asyncio.wait(
                [asyncio.ensure_future(to_upstream()), asyncio.ensure_future(to_client())],
                return_when=asyncio.FIRST_COMPLETED,
            )
        for writer in (client_w, up_w):
            writer.close()
            self._writers.discard(writer)
