"""A real `paramstack serve` process for the tests: its own data dir, port and database."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

PARAMSTACK = [sys.executable, "-m", "paramstack"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RunningGateway:
    home: Path
    env: dict[str, str]
    base_url: str  # ends in /v1
    root_url: str
    metrics_url: str  # the metrics listener's /metrics (not on the public port)
    admin_key: str
    tenants: list[dict[str, Any]]
    process: subprocess.Popen[bytes]

    def key(self, org_id: str) -> str:
        return next(t["api_key"] for t in self.tenants if t["org_id"] == org_id)

    def cli(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*PARAMSTACK, *args], env=self.env, capture_output=True, text=True, check=check, timeout=120
        )

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def write_config(home: Path, config: dict[str, Any]) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "paramstack.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")


def start_gateway(
    home: Path,
    config: dict[str, Any] | None = None,
    *,
    extra_env: dict[str, str] | None = None,
    init_args: tuple[str, ...] = ("--demo",),
    startup_timeout_s: float = 120,
) -> RunningGateway:
    """Write the config, run `paramstack init --json`, start `paramstack serve`, wait for /readyz."""
    port, metrics_port = free_port(), free_port()
    write_config(home, {"port": port, "metrics": {"port": metrics_port}, **(config or {})})
    env = {**os.environ, "PARAMSTACK_HOME": str(home), **(extra_env or {})}
    env.pop("PARAMSTACK_CONFIG", None)
    init = subprocess.run(
        [*PARAMSTACK, "init", *init_args, "--json"], env=env, capture_output=True, text=True, timeout=300
    )
    assert init.returncode == 0, init.stderr
    created = json.loads(init.stdout)
    log = open(home / "serve.log", "wb")  # noqa: SIM115 - lives as long as the process
    process = subprocess.Popen([*PARAMSTACK, "serve", "--port", str(port)], env=env, stdout=log, stderr=log)
    root = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + startup_timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gateway exited: {(home / 'serve.log').read_text()[-3000:]}")
        try:
            if httpx.get(f"{root}/readyz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    else:
        process.kill()
        raise RuntimeError(f"gateway not ready in {startup_timeout_s}s: {(home / 'serve.log').read_text()[-3000:]}")
    return RunningGateway(
        home=home,
        env=env,
        base_url=f"{root}/v1",
        root_url=root,
        metrics_url=f"http://127.0.0.1:{metrics_port}/metrics",
        admin_key=created["admin_key"],
        tenants=created["tenants"],
        process=process,
    )


def tiny_model_config(model_dir: Path, adapters_dir: Path, **extra: Any) -> dict[str, Any]:
    return {
        "models": [
            {"name": "paramstack-tiny", "backend": "local", "path": str(model_dir), "adapters_dir": str(adapters_dir)}
        ],
        **extra,
    }
