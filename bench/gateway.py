"""Benchmark the gateway: added latency and saturation throughput in front of an OpenAI-compatible upstream.

    .venv/bin/python bench/gateway.py [--seconds 10] [--postgres URL] [--redis URL] [--profile PATH-TO-PY-SPY]

The upstream is ``bench/upstream_stub.py`` in its own process (a fixed 8-token answer, no delay). The same
load goes straight to it (the baseline) and through a gateway (``backend: openai`` pointing at the stub)
with the whole pipeline on: authentication, limits, quota, ledger, and whatever else ``create_app`` wires
(signing, audit). Three gateway set-ups: the embedded default (SQLite + in-process limits: one process by
design, its limits live in it), Redis + PostgreSQL with one replica, and the same with two replicas (two
processes sharing Redis and PostgreSQL, the client's connections spread over both, as a Service would).
Beside them, ``bench/bare_proxy.py``: the same server stack (uvicorn with uvloop and httptools, as
``paramstack serve`` runs) forwarding to the stub with nothing else, the ceiling for a Python gateway on the
machine at hand; each gateway's saturation is also given as a share of it.
Beside plain chat, a chat request that offers a tool (the stub answers it with a streamed-shape tool call of
the same token count): the same stub, the bare proxy and the embedded gateway, in the same run, so the
tools row's share of the bare proxy reads against chat's (``tools_vs_chat``).
Beside them, LiteLLM's proxy (pinned, installed into a virtual environment of its own at benchmark time, never a
dependency of paramstack; offline cost map, one worker) on the same stub under the same load: the table gives
paramstack/LiteLLM for saturation throughput, and for p50/p99 at ``PEER_RATE``, a rate LiteLLM can hold.
Server-side CPU per request (utime+stime of the server's processes over the saturation window, divided by the
requests answered) for every set-up; ``targets`` says which of issue 18's bars each gateway row meets.
tools row's share of the bare proxy reads against chat's (``tools_vs_chat``). The embedded gateway also
answers the same question on ``/v1/responses`` and ``/v1/messages`` (rows "embedded responses" and "embedded
messages", same processes, same stub), read against chat's share the same way (``protocols_vs_chat``).
Loads: fixed offered rates (open loop: latency counts from when each request was due,
so a server that falls behind is charged for its queue) and saturation (32 connections, closed loop).
Key flood (``--flood-only`` runs just this): the tenant at a fixed 100 requests/s, first alone, then while a
second client (its own process, same address) floods random bad keys as fast as 8 connections go; p50/p99 of
both halves, measured in the same run against the same gateway.
Prints a table, writes bench/results/gateway.json. Not a test: nothing here gates CI.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from key_flood import flood_table, under_flood  # bench/ is the script's directory

HERE = Path(__file__).parent
RESULTS = HERE / "results" / "gateway.json"
PROFILE = HERE / "results" / "gateway-profile.txt"
FLOOD_RESULTS = HERE / "results" / "gateway-key-flood.json"  # --flood-only
MODEL = "paramstack-tiny"
PEER_RATE = 20  # a fixed rate LiteLLM's one worker holds on this machine: where the two latencies are compared
RATES = (PEER_RATE, 100, 500)
LITELLM_VERSION = "1.106.12"
LITELLM = "litellm proxy"
LITELLM_KEY = "sk-bench-litellm"
CONNECTIONS = 32
MAX_IN_FLIGHT = 256
KEEPALIVE_S = 4.0  # a connection idle this long is not reused: uvicorn (LiteLLM's server) closes idle ones after 5 s
BARE = "bare python proxy"  # the set-up of bare_proxy.py: the ceiling the gateways are read against
BODY = {"model": MODEL, "messages": [{"role": "user", "content": "Merhaba, nasılsın?"}], "max_tokens": 8}
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
# max_tokens above the stub's 8 tokens: the call completes (finish_reason "tool_calls", not "length").
TOOLS_BODY = {
    "model": MODEL,
    "messages": [{"role": "user", "content": "Ankara'da hava nasıl?"}],
    "max_tokens": 16,
    "tools": [WEATHER_TOOL],
}
TOOLS = " tools"  # the suffix of a set-up's row measured with TOOLS_BODY
# The same question on the other wire protocols the gateway speaks (one pipeline, the same stub): rows of the
# embedded gateway, measured on its processes in the same run, read against chat's direct and bare baselines.
PROTOCOLS = {
    " responses": (
        "/v1/responses",
        {"model": MODEL, "input": "Merhaba, nasılsın?", "max_output_tokens": 16, "store": False},
    ),
    " messages": (
        "/v1/messages",
        {"model": MODEL, "messages": [{"role": "user", "content": "Merhaba, nasılsın?"}], "max_tokens": 8},
    ),
}
# A row suffix -> (path, body). The baselines (the stub, the bare proxy, LiteLLM) speak chat completions, so the
# rows of other protocols (e.g. " responses": ("/v1/responses", ...), " messages": ("/v1/messages", ...)) are
# measured on the gateways and read against the chat baselines (``baselines``): add them to GATEWAY_ROWS.
CHAT_ROWS: dict[str, tuple[str, dict[str, Any]]] = {
    "": ("/v1/chat/completions", BODY),
    TOOLS: ("/v1/chat/completions", TOOLS_BODY),
}
GATEWAY_ROWS: dict[str, tuple[str, dict[str, Any]]] = {**CHAT_ROWS}


# --- a lean HTTP/1.1 keep-alive client: the load generator must cost far less than what it measures --------


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.idle_since = time.perf_counter()

    @classmethod
    async def open(cls, port: int) -> Connection:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def post(self, request: bytes) -> int:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        headers = head.lower()
        if b"transfer-encoding: chunked" in headers:
            while True:
                size = int((await self.reader.readline()).strip(), 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        else:
            start = headers.index(b"content-length:") + len(b"content-length:")
            await self.reader.readexactly(int(headers[start : headers.index(b"\r\n", start)]))
        return status


def request_bytes(path: str, key: str | None, payload: dict[str, Any] = BODY) -> bytes:
    body = json.dumps(payload).encode()
    auth = f"authorization: Bearer {key}\r\n" if key else ""
    return (
        f"POST {path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n{auth}"
        f"content-length: {len(body)}\r\n\r\n"
    ).encode() + body


@dataclass
class Target:
    name: str
    ports: tuple[int, ...]  # one per replica
    request: bytes
    opened: int = 0

    async def connect(self) -> Connection:
        """A new connection, to each replica in turn (as a Kubernetes Service spreads them)."""
        port = self.ports[self.opened % len(self.ports)]
        self.opened += 1
        return await Connection.open(port)


@dataclass
class Measured:
    latencies: list[float]
    errors: int
    seconds: float
    statuses: dict[str, int] = field(default_factory=dict)  # what the errors were

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies) or [float("nan")]
        return {
            "requests": len(self.latencies),
            "errors": self.errors,
            "error_kinds": self.statuses,
            "achieved_rps": round(len(self.latencies) / self.seconds, 1),
            "p50_ms": round(ordered[len(ordered) // 2] * 1000, 3),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 3),
        }


async def fixed_rate(target: Target, rate: int, seconds: float) -> Measured:
    """Open loop: request i is due at start + i/rate; its latency runs from when it was due.

    A server that cannot keep up builds a queue; requests still unanswered ``seconds`` after the schedule
    ends, or due while MAX_IN_FLIGHT are outstanding, count as errors (the run stays bounded).
    """
    idle: list[Connection] = []
    latencies: list[float] = []
    errors = 0
    in_flight = 0
    kinds: dict[str, int] = {}

    def failed(kind: str) -> None:
        nonlocal errors
        errors += 1
        kinds[kind] = kinds.get(kind, 0) + 1

    async def one(due: float) -> None:
        nonlocal in_flight
        if in_flight >= MAX_IN_FLIGHT:
            failed("not sent: client queue full")
            return
        in_flight += 1
        try:
            await answer(due)
        finally:
            in_flight -= 1

    async def answer(due: float) -> None:
        while idle and idle[-1].idle_since < time.perf_counter() - KEEPALIVE_S:  # the server may have closed it
            idle.pop().writer.close()
        connection = idle.pop() if idle else await target.connect()
        try:
            status = await connection.post(target.request)
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            failed(type(error).__name__)
            return
        latencies.append(time.perf_counter() - due)
        if status != 200:
            failed(f"HTTP {status}")
        connection.idle_since = time.perf_counter()
        idle.append(connection)

    start = time.perf_counter()
    tasks = []
    for i in range(int(rate * seconds)):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(one(due)))
    _, late = await asyncio.wait(tasks, timeout=seconds)
    for task in late:
        task.cancel()
        failed(f"no answer {seconds:g}s after the last was due")
    for connection in idle:
        connection.writer.close()
    return Measured(latencies, errors, time.perf_counter() - start, kinds)


async def saturate(target: Target, connections: int, seconds: float) -> Measured:
    """Closed loop: each connection sends its next request as soon as the previous answer is in."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        connection = await target.connect()
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            try:
                errors += await connection.post(target.request) != 200
            except (OSError, asyncio.IncompleteReadError, ValueError):  # the server dropped it: count, reconnect
                errors += 1
                connection.writer.close()
                connection = await target.connect()
                continue
            latencies.append(time.perf_counter() - sent)
        connection.writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return Measured(latencies, errors, time.perf_counter() - start)


# --- processes: the stub and the gateways, each in its own process ------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_ready(port: int, path: str, process: subprocess.Popen[bytes], timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                probe.sendall(f"GET {path} HTTP/1.1\r\nhost: x\r\n\r\n".encode())
                if probe.recv(12).endswith(b"200"):
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"nothing ready on port {port}")


@contextmanager
def running(
    command: list[str],
    port: int,
    ready_path: str,
    env: dict[str, str] | None = None,
    log: Path | None = None,
    ready_timeout_s: float = 120,
):
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - lives as long as the process
    process = subprocess.Popen(command, env=env, stdout=out, stderr=out)
    try:
        wait_ready(port, ready_path, process, ready_timeout_s)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


def paramstack(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "paramstack", *args, "--json"], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"paramstack {' '.join(args)}: {done.stderr}")
    return json.loads(done.stdout)


def prepare_gateway(home: Path, stub_port: int, extra: dict[str, Any]) -> tuple[dict[str, str], int, str]:
    """Config, migrated database and a tenant with limits far above the load; returns (env, port, key)."""
    import yaml

    port = free_port()
    config = {
        "port": port,
        "models": [
            {"name": MODEL, "backend": "openai", "upstream_model": "stub", "base_url": f"http://127.0.0.1:{stub_port}"}
        ],
        "metrics": {"port": None},
        **extra,
    }  # replicas share this file: no metrics listener to collide
    home.mkdir(parents=True, exist_ok=True)
    (home / "paramstack.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    env = {**os.environ, "PARAMSTACK_HOME": str(home)}
    env.pop("PARAMSTACK_CONFIG", None)
    paramstack(env, "init")
    paramstack(
        env,
        "tenants",
        "add",
        "org_bench",
        "--model",
        MODEL,
        "--tps",
        "10000000",
        "--rpm",
        "100000000",
        "--max-concurrent",
        "100000",
        "--daily-tokens",
        str(10**15),
    )
    key = paramstack(env, "keys", "create", "--tenant", "org_bench")["api_key"]
    return env, port, key


@contextmanager
def fresh_postgres(admin_url: str):
    import psycopg

    name = f"paramstack_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the runs -------------------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads), from /proc: robust to a busy, shared machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (a server that runs its workers as child processes)."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    children.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return [pid, *(p for child in children for p in process_tree(child))]


async def measure(
    target: Target, seconds: float, pids: list[int], rates: tuple[int, ...] = RATES, warm_rate: int = 50
) -> dict[str, Any]:
    await fixed_rate(target, warm_rate, 1.0)  # warm up: connections, caches, first-call paths
    result: dict[str, Any] = {"fixed": {}}
    for rate in rates:
        result["fixed"][str(rate)] = (await fixed_rate(target, rate, seconds)).summary()
    pids = [p for pid in pids for p in process_tree(pid)]
    cpu = sum(map(cpu_seconds, pids))
    saturation = await saturate(target, CONNECTIONS, seconds)
    result["saturation"] = saturation.summary()
    # The server's own CPU per answered request: what a free core would sustain is 1000 / this.
    result["saturation"]["server_cpu_ms_per_request"] = round(
        (sum(map(cpu_seconds, pids)) - cpu) * 1000 / max(1, len(saturation.latencies)), 3
    )
    return result


def profile_saturation(py_spy: str, process: subprocess.Popen[bytes], target: Target, seconds: float) -> None:
    """Sample the gateway under saturation with py-spy (its child processes included, should a server
    serve the app from one); keep the functions that hold the CPU longest."""
    raw = PROFILE.with_suffix(".raw")
    sampler = subprocess.Popen(
        [
            py_spy,
            "record",
            "--pid",
            str(process.pid),
            "--format",
            "raw",
            "--rate",
            "200",
            "--duration",
            str(int(seconds)),
            "--output",
            str(raw),
            "--nonblocking",
            "--subprocesses",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    asyncio.run(saturate(target, CONNECTIONS, seconds))
    sampler.wait(60)
    inclusive: dict[str, int] = {}
    leaf: dict[str, int] = {}
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        total += int(count)
        leaf[frames[-1]] = leaf.get(frames[-1], 0) + int(count)
        for frame in dict.fromkeys(frames):  # inclusive time, once per stack
            inclusive[frame] = inclusive.get(frame, 0) + int(count)

    def lines(counts: dict[str, int], keep: int, only: str = "") -> list[str]:
        ranked = sorted(((f, n) for f, n in counts.items() if only in f), key=lambda item: -item[1])[:keep]
        return [f"{100 * n / total:5.1f}%  {frame}" for frame, n in ranked]

    report = [
        "# py-spy, embedded gateway at saturation: % of all samples (idle included)",
        "## inclusive time in paramstack's own functions",
        *lines(inclusive, 40, "paramstack/"),
        "## self time (where the CPU is)",
        *lines(leaf, 40),
        "## inclusive time, everything",
        *lines(inclusive, 80),
    ]
    PROFILE.write_text("\n".join(report) + "\n", encoding="utf-8")
    raw.unlink()


def rows(
    name: str,
    tools: bool,
    table: dict[str, tuple[str, dict[str, Any]]] = CHAT_ROWS,
) -> dict[str, tuple[str, dict[str, Any]]]:
    """The rows one set-up is measured for: plain chat under ``name``, and (``tools``) every other row of ``table``."""
    return {name + suffix: row for suffix, row in table.items() if tools or not suffix}


def run_gateway(
    name: str,
    stub_port: int,
    extra: dict[str, Any],
    seconds: float,
    work: Path,
    py_spy: str | None,
    replicas: int = 1,
    tools: bool = False,
    protocols: bool = False,
) -> dict[str, Any]:
    """``replicas`` gateway processes on one configuration (sharing its database, and Redis if set);
    ``protocols``: also a row per other wire protocol (``PROTOCOLS``)."""
    env, port, key = prepare_gateway(work / name, stub_port, extra)
    ports = (port, *(free_port() for _ in range(replicas - 1)))
    results: dict[str, Any] = {}
    with ExitStack() as stack:
        processes = [
            stack.enter_context(
                running(
                    [sys.executable, "-m", "paramstack", "serve", "--port", str(p)],
                    p,
                    "/readyz",
                    env,
                    work / f"{name}-{p}.log",
                )
            )
            for p in ports
        ]
        for row, (path, payload) in rows(name, tools, GATEWAY_ROWS).items():
            target = Target(row, ports, request_bytes(path, key, payload))
            results[row] = asyncio.run(measure(target, seconds, [process.pid for process in processes]))
            if py_spy and row == "embedded":
                profile_saturation(py_spy, processes[0], target, seconds)
        for suffix, (path, payload) in PROTOCOLS.items() if protocols else ():
            target = Target(name + suffix, ports, request_bytes(path, key, payload))
            results[name + suffix] = asyncio.run(measure(target, seconds, [process.pid for process in processes]))
    return results


def saturation_only(
    port: int, key: str | None, path: str, payload: dict[str, Any], seconds: float, pid: int
) -> dict[str, Any]:
    """Saturation of one server (no fixed-rate levels), with its CPU per request: the side benchmarks' row."""
    target = Target(path, (port,), request_bytes(path, key, payload))
    return asyncio.run(measure(target, seconds, [pid], rates=()))["saturation"]


def run_bare_proxy(stub_port: int, seconds: float) -> dict[str, Any]:
    """The ceiling of a Python gateway on this machine (``bare_proxy.py``): forward and answer, nothing else."""
    port = free_port()
    command = [
        sys.executable,
        str(HERE / "bare_proxy.py"),
        "--port",
        str(port),
        "--upstream",
        f"http://127.0.0.1:{stub_port}",
    ]
    with running(command, port, "/readyz") as process:
        return {
            row: asyncio.run(measure(Target(row, (port,), request_bytes(path, None, payload)), seconds, [process.pid]))
            for row, (path, payload) in rows(BARE, True).items()
        }


def litellm_binary(venv: Path) -> Path:
    """LiteLLM's proxy, pinned, in a virtual environment of its own (created and installed on first use)."""
    binary = venv / "bin" / "litellm"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", f"litellm[proxy]=={LITELLM_VERSION}"], check=True)
    return binary


def run_litellm(venv: Path, stub_port: int, seconds: float, work: Path) -> dict[str, Any]:
    """LiteLLM's proxy in front of the same stub: its defaults, one worker, offline cost map, a master key (it
    authenticates, as the gateways do). Measured at PEER_RATE and saturation only: above its saturation an open
    loop measures only its queue."""
    import yaml

    port = free_port()
    config = work / "litellm.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "model_list": [
                    {
                        "model_name": MODEL,
                        "litellm_params": {
                            "model": "openai/stub",
                            "api_base": f"http://127.0.0.1:{stub_port}/v1",
                            "api_key": "none",
                        },
                    }
                ],
                "litellm_settings": {"telemetry": False},
                "general_settings": {"master_key": LITELLM_KEY},
            }
        ),
        encoding="utf-8",
    )
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_TELEMETRY": "False"}
    command = [str(litellm_binary(venv)), "--config", str(config), "--port", str(port), "--num_workers", "1"]
    with running(command, port, "/health/liveliness", env, work / "litellm.log", ready_timeout_s=600) as process:
        return {
            row: asyncio.run(
                measure(
                    Target(row, (port,), request_bytes(path, LITELLM_KEY, payload)),
                    seconds,
                    [process.pid],
                    rates=(PEER_RATE,),
                    warm_rate=PEER_RATE,
                )
            )
            for row, (path, payload) in rows(LITELLM, True).items()
        }


def baselines(row: str) -> tuple[str, str]:
    """The direct and bare-proxy rows a row reads against: those measured with the same request (chat's for a
    protocol the baselines do not speak)."""
    suffix = TOOLS if row.endswith(TOOLS) else ""
    return "direct" + suffix, BARE + suffix


def peer(row: str) -> str:
    """The LiteLLM row a gateway row reads against."""
    return LITELLM + (TOOLS if row.endswith(TOOLS) else "")


def against_litellm(results: dict[str, Any], row: str) -> dict[str, Any] | None:
    """paramstack / LiteLLM: saturation throughput (higher is better) and latency at PEER_RATE (lower is better)."""
    other = results["scenarios"].get(peer(row))
    if other is None:
        return None
    mine, rate = results["scenarios"][row], str(PEER_RATE)
    return {
        "saturation_x": round(mine["saturation"]["achieved_rps"] / other["saturation"]["achieved_rps"], 2),
        f"p50_at_{PEER_RATE}_ratio": round(mine["fixed"][rate]["p50_ms"] / other["fixed"][rate]["p50_ms"], 3),
        f"p99_at_{PEER_RATE}_ratio": round(mine["fixed"][rate]["p99_ms"] / other["fixed"][rate]["p99_ms"], 3),
        "cpu_ms_per_request_ratio": round(
            mine["saturation"]["server_cpu_ms_per_request"] / other["saturation"]["server_cpu_ms_per_request"], 3
        ),
    }


def targets(results: dict[str, Any], row: str) -> dict[str, Any]:
    """Issue 18's bars for one gateway row, each with its figure and its limit."""
    scenario, bare = results["scenarios"][row], results["scenarios"][baselines(row)[1]]
    cpu, bare_cpu = (s["saturation"]["server_cpu_ms_per_request"] for s in (scenario, bare))
    p99, bare_p99 = (s["fixed"]["100"]["p99_ms"] for s in (scenario, bare))
    out: dict[str, Any] = {
        "cpu_vs_bare": {"value": round(cpu / bare_cpu, 2), "limit": 3.0, "met": cpu <= 3 * bare_cpu},
        "p99_at_100_ms": {"value": p99, "limit": round(1.5 * bare_p99 + 5, 3), "met": p99 <= 1.5 * bare_p99 + 5},
    }
    vs = against_litellm(results, row)
    if vs is not None:
        out["saturation_vs_litellm"] = {"value": vs["saturation_x"], "limit": 10.0, "met": vs["saturation_x"] >= 10}
    return out


async def metering_alone(redis_url: str | None, database_url: str, calls: int = 2000) -> dict[str, float]:
    """The admission step by itself, in-process: admit + settle (ledger commit included), per call."""
    from datetime import UTC, datetime

    from prometheus_client import CollectorRegistry

    from paramstack.calls import CallInfo, UsageCounts
    from paramstack.engine.protocol import SamplingParams
    from paramstack.metering.factory import build_admission
    from paramstack.metering.settings import MeteringSettings
    from paramstack.storage.database import create_db_engine
    from paramstack.storage.migrate import upgrade_to_head
    from paramstack.tenancy.models import ApiKey, Caller, Tenant, TenantLimits

    database = create_db_engine(database_url)
    upgrade_to_head(database)
    settings = MeteringSettings(redis_key_prefix=f"paramstack-bench:{uuid.uuid4().hex[:8]}:")
    admission = build_admission(redis_url, settings, database, CollectorRegistry())
    now = datetime.now(UTC)
    tenant = Tenant(
        org_id="org_bench",
        name="bench",
        created_at=now,
        updated_at=now,
        limits=TenantLimits(tps=10**7, rpm=10**8, max_concurrent=10**5, daily_tokens=10**15),
    )
    caller = Caller(
        ApiKey(key_id="key_bench", org_id="org_bench", scope="tenant", prefix="psk-", created_at=now), tenant
    )

    async def one() -> None:
        call = CallInfo(f"chatcmpl-{uuid.uuid4().hex}", caller, MODEL, MODEL, None, SamplingParams(), 0, "")
        ticket = await admission.admit(call, 100)
        await ticket.settle(UsageCounts(20, 8), delivered=True)

    started = time.perf_counter()
    for _ in range(calls // 4):
        await one()
    sequential = (time.perf_counter() - started) / (calls // 4)
    started = time.perf_counter()
    for _ in range(calls // CONNECTIONS):
        await asyncio.gather(*(one() for _ in range(CONNECTIONS)))
    concurrent = (time.perf_counter() - started) / (calls // CONNECTIONS * CONNECTIONS)
    await admission.aclose()
    database.dispose()
    return {
        "sequential_ms_per_call": round(sequential * 1000, 3),
        f"concurrent_{CONNECTIONS}_ms_per_call": round(concurrent * 1000, 3),
    }


def machine_jitter(cpu_ms: float, rate: int = 100, count: int = 1000) -> dict[str, float]:
    """How long a fixed slice of pure Python computation takes here, at ``rate`` slices per second: the
    machine's own latency noise (scheduling, a shared host) for work the size of one gateway request. A
    request cannot have a lower p99 than the same amount of CPU work has on the same machine."""

    def spin(loops: int) -> None:
        total = 0
        for i in range(loops):
            total += i * i

    started = time.perf_counter()
    spin(100_000)
    loops = max(1, int(100_000 * cpu_ms / 1000 / (time.perf_counter() - started)))
    durations = []
    for _ in range(count):
        started = time.perf_counter()
        spin(loops)
        durations.append(time.perf_counter() - started)
        time.sleep(max(0.0, 1 / rate - durations[-1]))
    durations.sort()
    return {
        "cpu_ms": round(cpu_ms, 3),
        "rate": rate,
        "p50_ms": round(durations[count // 2] * 1000, 3),
        "p99_ms": round(durations[int(count * 0.99)] * 1000, 3),
    }


def added(direct: dict[str, Any], bare: dict[str, Any], gateway: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for rate, numbers in gateway["fixed"].items():
        base = direct["fixed"][rate]
        out[rate] = {
            "p50_ms": round(numbers["p50_ms"] - base["p50_ms"], 3),
            "p99_ms": round(numbers["p99_ms"] - base["p99_ms"], 3),
        }
    rps = gateway["saturation"]["achieved_rps"]
    out["saturation_ratio"] = round(rps / direct["saturation"]["achieved_rps"], 3)
    out["share_of_bare_proxy"] = round(rps / bare["saturation"]["achieved_rps"], 3)
    return out


def table(results: dict[str, Any]) -> str:
    lines = [
        f"{'set-up':<24}{'load':>10}{'p50 ms':>10}{'p99 ms':>10}{'added p50':>11}{'added p99':>11}{'req/s':>10}"
        f"{'errors':>8}{'cpu ms/req':>12}{'of bare':>9}"
    ]
    for name, scenario in results["scenarios"].items():
        direct, bare = (results["scenarios"][b] for b in baselines(name))
        for rate in map(int, scenario["fixed"]):
            numbers = scenario["fixed"][str(rate)]
            extra = results["added"].get(name, {}).get(str(rate))
            lines.append(
                f"{name:<24}{f'{rate}/s':>10}{numbers['p50_ms']:>10.2f}{numbers['p99_ms']:>10.2f}"
                f"{extra['p50_ms'] if extra else '-':>11}{extra['p99_ms'] if extra else '-':>11}"
                f"{numbers['achieved_rps']:>10}{numbers['errors']:>8}"
            )
        sat = scenario["saturation"]
        ratio = sat["achieved_rps"] / direct["saturation"]["achieved_rps"]
        lines.append(
            f"{name:<24}{f'{CONNECTIONS} conns':>10}{sat['p50_ms']:>10.2f}{sat['p99_ms']:>10.2f}"
            f"{'':>11}{f'x{ratio:.2f}':>11}{sat['achieved_rps']:>10}{sat['errors']:>8}"
            f"{sat['server_cpu_ms_per_request']:>12}"
            f"{sat['achieved_rps'] / bare['saturation']['achieved_rps']:>9.0%}"
        )
    return "\n".join(lines)


# --- key flood (bench/key_flood.py): the tenant at a fixed rate while another client floods bad keys -------


def run_flood(name: str, stub_port: int, extra: dict[str, Any], seconds: float, work: Path) -> dict[str, Any]:
    env, port, key = prepare_gateway(work / f"{name}-flood", stub_port, extra)
    with running(
        [sys.executable, "-m", "paramstack", "serve", "--port", str(port)],
        port,
        "/readyz",
        env,
        work / f"{name}-flood.log",
    ):
        target = Target(name, (port,), request_bytes("/v1/chat/completions", key))
        return under_flood(lambda rate, s: asyncio.run(fixed_rate(target, rate, s)).summary(), port, seconds)


def check_protocol_rows() -> None:
    """Each protocol's request through the embedded gateway answers 200 (a quick check, nothing written)."""
    stub_port = free_port()
    with (
        tempfile.TemporaryDirectory(prefix="paramstack-bench-") as tmp,
        running([sys.executable, str(HERE / "upstream_stub.py"), "--port", str(stub_port)], stub_port, "/health"),
    ):
        env, port, key = prepare_gateway(Path(tmp) / "check", stub_port, {})
        with running(
            [sys.executable, "-m", "paramstack", "serve", "--port", str(port)],
            port,
            "/readyz",
            env,
            Path(tmp) / "check.log",
        ):
            for path, payload in (("/v1/chat/completions", BODY), *PROTOCOLS.values()):
                measured = asyncio.run(saturate(Target(path, (port,), request_bytes(path, key, payload)), 4, 1.0))
                print(f"{path:<24} {measured.summary()}")
                assert measured.errors == 0 and measured.latencies, measured.statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per load level")
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="admin URL: a throwaway database is created there (empty: skip Redis+PostgreSQL)",
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--profile", metavar="PY_SPY", help="py-spy binary: profile the embedded gateway")
    parser.add_argument("--only-embedded", action="store_true", help="skip the Redis+PostgreSQL set-up")
    parser.add_argument(
        "--litellm-venv",
        type=Path,
        default=Path(tempfile.gettempdir()) / "litellm-venv",
        help=f"LiteLLM {LITELLM_VERSION}'s own virtual environment (created if absent)",
    )
    parser.add_argument("--no-litellm", action="store_true", help="skip LiteLLM's proxy")
    parser.add_argument("--flood-only", action="store_true", help="run only the bad-key flood scenario")
    parser.add_argument(
        "--protocols-check",
        action="store_true",
        help="only check that the chat, Responses and Messages rows answer (1 s each, no results)",
    )
    args = parser.parse_args()
    if args.protocols_check:
        check_protocol_rows()
        return
    if args.flood_only:
        flood_only(args)
        return
    results: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_at_start": os.getloadavg(),
        },
        "seconds_per_level": args.seconds,
        "scenarios": {},
        "added": {},
    }
    stub_port = free_port()
    with (
        tempfile.TemporaryDirectory(prefix="paramstack-bench-") as tmp,
        running(
            [sys.executable, str(HERE / "upstream_stub.py"), "--port", str(stub_port)], stub_port, "/health"
        ) as stub_process,
    ):
        work = Path(tmp)
        for row, (path, payload) in rows("direct", True).items():
            stub = Target(row, (stub_port,), request_bytes(path, None, payload))
            results["scenarios"][row] = asyncio.run(measure(stub, args.seconds, [stub_process.pid]))
        results["scenarios"].update(run_bare_proxy(stub_port, args.seconds))
        if not args.no_litellm:
            results["scenarios"].update(run_litellm(args.litellm_venv, stub_port, args.seconds, work))
        results["metering_step"] = {"embedded": asyncio.run(metering_alone(None, f"sqlite:///{work / 'step.db'}"))}
        results["scenarios"].update(
            run_gateway("embedded", stub_port, {}, args.seconds, work, args.profile, tools=True, protocols=True)
        )
        for replicas in (1, 2) if args.postgres and not args.only_embedded else ():
            name = "redis+postgres" + (f" x{replicas}" if replicas > 1 else "")
            with fresh_postgres(args.postgres) as database_url:
                extra = {
                    "database_url": database_url,
                    "redis_url": args.redis,
                    "metering": {"redis_key_prefix": f"paramstack-bench:{uuid.uuid4().hex[:8]}:"},
                }
                results["scenarios"].update(
                    run_gateway(name, stub_port, extra, args.seconds, work, None, replicas, tools=replicas == 1)
                )
                if replicas == 1:
                    results["metering_step"][name] = asyncio.run(metering_alone(args.redis, database_url))
        results["key_flood"] = run_floods(args, stub_port, work)
    for name in results["scenarios"]:
        direct, bare = baselines(name)
        if name != direct:
            results["added"][name] = added(
                results["scenarios"][direct], results["scenarios"][bare], results["scenarios"][name]
            )
    gateways = [row for row in results["scenarios"] if not row.startswith(("direct", BARE, LITELLM))]
    results["vs_litellm"] = {row: vs for row in gateways if (vs := against_litellm(results, row)) is not None}
    results["targets"] = {row: targets(results, row) for row in gateways}
    # The bar: a request with tools keeps at least 90 % of plain chat's share of the bare proxy.
    results["tools_vs_chat"] = round(
        results["added"]["embedded" + TOOLS]["share_of_bare_proxy"]
        / results["added"]["embedded"]["share_of_bare_proxy"],
        3,
    )
    # ... and the Responses and Messages front-ends keep at least 90 % of it too (issue: same pipeline).
    results["protocols_vs_chat"] = {
        suffix.strip(): round(
            results["added"]["embedded" + suffix]["share_of_bare_proxy"]
            / results["added"]["embedded"]["share_of_bare_proxy"],
            3,
        )
        for suffix in PROTOCOLS
    }
    embedded_cpu = results["scenarios"]["embedded"]["saturation"]["server_cpu_ms_per_request"]
    results["machine"]["jitter"] = machine_jitter(embedded_cpu)
    results["machine"]["load_average_at_end"] = os.getloadavg()  # a shared machine: say how busy it was
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(table(results))
    print(flood_table(results["key_flood"]))
    print(
        f"load average at start {results['machine']['load_average_at_start'][0]:.1f}, "
        f"at end {results['machine']['load_average_at_end'][0]:.1f} ({os.cpu_count()} CPUs)"
    )
    jitter = results["machine"]["jitter"]
    print(
        f"machine jitter: {jitter['cpu_ms']} ms of pure computation {jitter['rate']} times a second takes "
        f"p50 {jitter['p50_ms']} ms, p99 {jitter['p99_ms']} ms"
    )
    tools_errors = results["scenarios"]["embedded" + TOOLS]["saturation"]["errors"]
    print(
        f"tools vs chat: the embedded gateway's share of the bare proxy with tools is "
        f"{results['tools_vs_chat']:.0%} of its share with plain chat (bar: 90 %)"
        + (f"; NOT comparable: {tools_errors} tools requests failed" if tools_errors else "")
    )
    for row, vs in results["vs_litellm"].items():
        print(
            f"{row} vs LiteLLM: saturation x{vs['saturation_x']}, p50 at {PEER_RATE}/s "
            f"x{vs[f'p50_at_{PEER_RATE}_ratio']}, p99 at {PEER_RATE}/s x{vs[f'p99_at_{PEER_RATE}_ratio']}, "
            f"CPU per request x{vs['cpu_ms_per_request_ratio']}"
        )
    for row, bars in results["targets"].items():
        print(
            f"targets {row}: "
            + "; ".join(
                f"{bar} {v['value']} (limit {v['limit']}) {'met' if v['met'] else 'MISSED'}" for bar, v in bars.items()
            )
        )
    print(
        "protocols vs chat: the embedded gateway's share of the bare proxy is, of its share with chat, "
        + ", ".join(f"{name} {ratio:.0%}" for name, ratio in results["protocols_vs_chat"].items())
        + " (bar: 90 %)"
    )
    for name, step in results["metering_step"].items():
        print(f"metering step alone ({name}): " + ", ".join(f"{k} {v}" for k, v in step.items()))
    print(f"\nwritten: {RESULTS}" + (f", {PROFILE}" if args.profile else ""))


def run_floods(args: argparse.Namespace, stub_port: int, work: Path) -> dict[str, Any]:
    floods = {"embedded": run_flood("embedded", stub_port, {}, args.seconds, work)}
    if args.postgres and not args.only_embedded:
        with fresh_postgres(args.postgres) as database_url:
            extra = {
                "database_url": database_url,
                "redis_url": args.redis,
                "metering": {"redis_key_prefix": f"paramstack-bench:{uuid.uuid4().hex[:8]}:"},
            }
            floods["redis+postgres"] = run_flood("redis+postgres", stub_port, extra, args.seconds, work)
    return floods


def flood_only(args: argparse.Namespace) -> None:
    stub_port = free_port()
    with (
        tempfile.TemporaryDirectory(prefix="paramstack-bench-") as tmp,
        running([sys.executable, str(HERE / "upstream_stub.py"), "--port", str(stub_port)], stub_port, "/health"),
    ):
        floods = run_floods(args, stub_port, Path(tmp))
    FLOOD_RESULTS.parent.mkdir(parents=True, exist_ok=True)
    FLOOD_RESULTS.write_text(
        json.dumps(
            {
                "seconds_per_level": args.seconds,
                "cpus": os.cpu_count(),
                "load_average": os.getloadavg(),
                "key_flood": floods,
            },
            indent=2,
        )
        + "\n"
    )
    print(flood_table(floods))
    print(f"\nwritten: {FLOOD_RESULTS}")


if __name__ == "__main__":
    main()
