"""Benchmark the canary's safety net: how fast a failing canary loses its traffic, and how many saw it.

    .venv/bin/python bench/rollout.py [--rate 100] [--users 200] [--repeat 3]

The rig of the rollout tests (``tests/deploy/rollout_env.py``): a fake vLLM, the real gateway in front of it
(``paramstack serve`` in its own process), open-loop traffic at ``--rate`` requests/s from ``--users`` end users, and
the real controller reading the gateway's /metrics. A rollout starts at 10 %; once it runs, the canary
version starts answering 503 (the "SLO violation" instant, T0). Measured, from the fake vLLM's own log:

- time to 0 %: T0 -> the last request that reached the bad version (the fake vLLM's own log);
- bad requests: requests that reached the bad version after T0 (each one a 502 for some user), counted
  where they arrive, so requests queued in the gateway before T0 and routed after it count too.

Two controller settings run in the same process, and each is compared with its bound
(``failure_threshold x interval + gateway refresh``) and with the requests that bound lets through
(``rate x 10 % x bound``): a ratio, so the figures mean something on any machine. Writes
bench/results/rollout.json. Not a test: nothing here gates CI.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.deploy.rollout_env import ADAPTER, TENANT, rollout_rig, traffic_process  # noqa: E402

from paramstack.deploy.canary_factory import build_controller  # noqa: E402
from paramstack.deploy.slo_policy import parse_policy  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "rollout.json"
SETUPS = (
    {"name": "conservative", "interval_s": 1.0, "failure_threshold": 2, "refresh_s": 1.0},
    {"name": "fast", "interval_s": 0.5, "failure_threshold": 1, "refresh_s": 0.25},
)
FIRST_WEIGHT = 10


async def one_rollout(setup: dict[str, Any], rate: float, users: int) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory() as home,
        rollout_rig(Path(home), refresh_s=setup["refresh_s"], own_process=True) as rig,
    ):
        rig.register("v2")
        bad_model = f"{ADAPTER}@v2"
        # min_requests high and the error SLO tight: the canary holds at 10 % while healthy, and the first
        # errors (beyond 1 % of 100) already break the SLO.
        policy = parse_policy(
            {
                "steps": [FIRST_WEIGHT, 50, 100],
                "interval": setup["interval_s"],
                "failure_threshold": setup["failure_threshold"],
                "min_requests": 100,
                "slo": {"max_error_rate": 0.01, "max_p95_latency_s": 5.0},
                "metrics": {"urls": [rig.metrics_url]},
            }
        )
        controller = build_controller(rig.database, policy, rig.settings.canary)
        with traffic_process(rig, users=users, rate_per_s=rate) as replies:
            await asyncio.sleep(4.0)  # the traffic process starts (imports) and reaches its rate
            rollout = await controller.start(TENANT, ADAPTER, "v1", "v2", policy)
            run = asyncio.create_task(controller.run(rollout.id, max_intervals=60))
            await asyncio.sleep(setup["interval_s"] * 1.5)  # the canary serves healthy traffic for a while
            violation_at = time.time()
            rig.fake.behave(bad_model, status=503)
            final = await run
            await asyncio.sleep(setup["refresh_s"] + 2.0)  # traffic goes on: does anything still reach v2?
        rig.replies = replies
        # Server side (the fake vLLM's log): every request that reached the bad version after T0 was a 502
        # for some user, including requests sent before T0 that were still queued in the gateway.
        arrived = [at for at, model in rig.fake.arrivals if model == bad_model and at >= violation_at]
        # Client side: requests sent after T0 that failed.
        sent = [r.at for r in rig.replies if r.at >= violation_at and r.status != 200]
        decided = next(e for e in rig.store.events(final.id) if e["action"] == "rollback")
        span = max(r.at for r in rig.replies) - min(r.at for r in rig.replies)
        bound_s = setup["failure_threshold"] * setup["interval_s"] + setup["refresh_s"]
        achieved = len(rig.replies) / span
        to_zero = (max(arrived) - violation_at) if arrived else 0.0
        bad_bound = achieved * FIRST_WEIGHT / 100 * bound_s
        return {
            **setup,
            "status": final.status,
            "offered_rate": rate,
            "achieved_rate": round(achieved, 1),
            "decision_s": round(datetime.fromisoformat(decided["at"]).timestamp() - violation_at, 3),
            "time_to_zero_s": round(to_zero, 3),
            "bound_s": bound_s,
            "time_ratio": round(to_zero / bound_s, 2),
            "bad_requests": len(arrived),
            "bad_bound": round(bad_bound, 1),
            "bad_ratio": round(len(arrived) / bad_bound, 2),
            "client_failed_after_violation": len(sent),
            "client_last_failed_sent_s": round((max(sent) - violation_at) if sent else 0.0, 3),
            "requests_after_violation": sum(1 for r in rig.replies if r.at >= violation_at),
            "decision_reason": decided["reason"],
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3, help="runs per setup; the table shows the median run")
    args = parser.parse_args()
    runs = {s["name"]: [asyncio.run(one_rollout(s, args.rate, args.users)) for _ in range(args.repeat)] for s in SETUPS}
    # The median run by time to 0 % (a shared machine makes single runs noisy).
    rows = [sorted(r, key=lambda row: row["time_to_zero_s"])[len(r) // 2] for r in runs.values()]
    header = (
        f"{'setup':<13}{'interval':>9}{'thresh':>7}{'refresh':>8}{'req/s':>7}{'decide s':>9}{'to 0% s':>8}"
        f"{'bound s':>8}{'ratio':>6}{'bad req':>8}{'bound':>7}{'ratio':>6}"
    )
    print(header)
    for r in rows:
        print(
            f"{r['name']:<13}{r['interval_s']:>9}{r['failure_threshold']:>7}{r['refresh_s']:>8}"
            f"{r['achieved_rate']:>7}{r['decision_s']:>9}{r['time_to_zero_s']:>8}{r['bound_s']:>8}"
            f"{r['time_ratio']:>6}{r['bad_requests']:>8}{r['bad_bound']:>7}{r['bad_ratio']:>6}"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "rollout",
                "when": datetime.now().isoformat(timespec="seconds"),
                "machine": {"python": platform.python_version(), "platform": platform.platform()},
                "offered_rate": args.rate,
                "users": args.users,
                "first_weight": FIRST_WEIGHT,
                "median": rows,
                "runs": runs,
                "notes": "time_to_zero: SLO violation -> last request reaching the bad version (fake vLLM's log); "
                "bound: failure_threshold x interval + gateway refresh; ratios are measured / bound.",
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
