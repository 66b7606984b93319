"""The same question on each wire protocol: the embedded gateway's saturation on chat completions, the Responses
API and the Messages API (one pipeline, the same stub, the same run), each as a share of the bare Python proxy
(bench/gateway.py's ceiling), and each protocol's share against chat's (issue 16's bar: within 10 %).

    python bench/protocols.py [--seconds 8]

Prints a table and writes bench/results/protocols.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from gateway import (  # noqa: E402 - the gateway benchmark's own helpers, not a package
    BODY,
    HERE,
    PROTOCOLS,
    free_port,
    prepare_gateway,
    running,
    saturation_only,
)

RESULTS = HERE / "results" / "protocols.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    stub_port, bare_port = free_port(), free_port()
    rows: dict[str, Any] = {}
    with (
        tempfile.TemporaryDirectory(prefix="paramstack-protocols-") as tmp,
        running([sys.executable, str(HERE / "upstream_stub.py"), "--port", str(stub_port)], stub_port, "/health"),
    ):
        bare = [
            sys.executable,
            str(HERE / "bare_proxy.py"),
            "--port",
            str(bare_port),
            "--upstream",
            f"http://127.0.0.1:{stub_port}",
        ]
        with running(bare, bare_port, "/readyz") as process:
            rows["bare python proxy"] = saturation_only(
                bare_port, None, "/v1/chat/completions", BODY, args.seconds, process.pid
            )
        env, port, key = prepare_gateway(Path(tmp) / "embedded", stub_port, {})
        with running(
            [sys.executable, "-m", "paramstack", "serve", "--port", str(port)], port, "/readyz", env
        ) as process:
            for name, (path, payload) in {
                "chat": ("/v1/chat/completions", BODY),
                **{k.strip(): v for k, v in PROTOCOLS.items()},
            }.items():
                rows[name] = saturation_only(port, key, path, payload, args.seconds, process.pid)
    bare_rps = rows["bare python proxy"]["achieved_rps"]
    for row in rows.values():
        row["share_of_bare_proxy"] = round(row["achieved_rps"] / bare_rps, 3)
    chat_share = rows["chat"]["share_of_bare_proxy"]
    results = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_at_start": os.getloadavg(),
        },
        "seconds": args.seconds,
        "rows": rows,
        "vs_chat": {
            name: round(rows[name]["share_of_bare_proxy"] / chat_share, 3) for name in ("responses", "messages")
        },
    }
    print(f"{'set-up':<20} {'req/s':>8} {'CPU ms/req':>11} {'share of bare':>14}")
    for name, row in rows.items():
        print(
            f"{name:<20} {row['achieved_rps']:>8.1f} {row['server_cpu_ms_per_request']:>11.3f} "
            f"{row['share_of_bare_proxy']:>14.1%}"
        )
    print("share against chat's: " + ", ".join(f"{k} x{v}" for k, v in results["vs_chat"].items()) + " (bar: >= x0.9)")
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
