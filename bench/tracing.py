"""What OpenTelemetry tracing costs the gateway: the embedded gateway with tracing off, and on with every span
exported (OTLP over HTTP to a local collector stand-in that accepts and drops each batch), in the same run, on
the same stub, read as shares of the bare Python proxy's saturation (bench/gateway.py's ceiling).

    python bench/tracing.py [--seconds 8]

Prints a table and writes bench/results/tracing.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from gateway import (  # noqa: E402 - the gateway benchmark's own helpers, not a package
    BODY,
    CONNECTIONS,
    HERE,
    free_port,
    prepare_gateway,
    running,
    saturation_only,
)

RESULTS = HERE / "results" / "tracing.json"


class _Collector(BaseHTTPRequestHandler):
    """Accepts OTLP/HTTP exports and drops them (a collector that is never the bottleneck)."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *_: object) -> None:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    collector = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=collector.serve_forever, daemon=True).start()
    traced_env = {
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": f"http://127.0.0.1:{collector.server_port}/v1/traces",
    }
    stub_port, bare_port = free_port(), free_port()
    results: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_at_start": os.getloadavg(),
        },
        "seconds": args.seconds,
        "connections": CONNECTIONS,
        "rows": {},
    }
    with (
        tempfile.TemporaryDirectory(prefix="paramstack-tracing-") as tmp,
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
            results["rows"]["bare python proxy"] = saturation_only(
                bare_port, None, "/v1/chat/completions", BODY, args.seconds, process.pid
            )
        for name, extra_env in (("tracing off", {}), ("tracing on, OTLP export", traced_env)):
            env, port, key = prepare_gateway(Path(tmp) / name.replace(" ", "-").replace(",", ""), stub_port, {})
            env = {**{k: v for k, v in env.items() if not k.startswith("OTEL_")}, **extra_env}
            command = [sys.executable, "-m", "paramstack", "serve", "--port", str(port)]
            with running(command, port, "/readyz", env) as process:
                results["rows"][name] = saturation_only(
                    port, key, "/v1/chat/completions", BODY, args.seconds, process.pid
                )
    collector.shutdown()
    bare_rps = results["rows"]["bare python proxy"]["achieved_rps"]
    print(f"{'set-up':<26} {'req/s':>8} {'CPU ms/req':>11} {'share of bare':>14}")
    for name, row in results["rows"].items():
        row["share_of_bare_proxy"] = round(row["achieved_rps"] / bare_rps, 3) if bare_rps else None
        print(
            f"{name:<26} {row['achieved_rps']:>8.1f} {row['server_cpu_ms_per_request']:>11.3f} "
            f"{row['share_of_bare_proxy']:>14.1%}"
        )
    off, on = results["rows"]["tracing off"], results["rows"]["tracing on, OTLP export"]
    results["traced_vs_untraced"] = {
        "throughput": round(on["achieved_rps"] / off["achieved_rps"], 3),
        "cpu_per_request": round(on["server_cpu_ms_per_request"] / off["server_cpu_ms_per_request"], 3),
    }
    print(
        f"tracing on / off: throughput x{results['traced_vs_untraced']['throughput']}, "
        f"CPU per request x{results['traced_vs_untraced']['cpu_per_request']}"
    )
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
