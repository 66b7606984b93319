"""`paramstack rlaif` killed mid-way resumes where it stopped: no prompt asked twice, none lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter

PARAMSTACK = [sys.executable, "-m", "paramstack"]


def _finished_prompts(state_file) -> list[str]:
    if not state_file.is_file():
        return []
    ids = []
    for line in state_file.read_text().splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue  # the line being written right now
        if entry.get("type") == "prompt":
            ids.append(entry["prompt_id"])
    return ids


def test_rlaif_killed_mid_run_resumes_without_duplicates_or_losses(tiny_model, demo_prompts, tmp_path):
    model_dir, _ = tiny_model
    prompts, _ = demo_prompts
    output = tmp_path / "prefs"
    state_file = tmp_path / "prefs.state.jsonl"
    env = {**os.environ, "PARAMSTACK_HOME": str(tmp_path / "home")}
    command = [
        *PARAMSTACK,
        "rlaif",
        "--prompts",
        str(prompts),
        "--output",
        str(output),
        "--model",
        str(model_dir),
        "--max-tokens",
        "48",
        "--concurrency",
        "1",
        "--margin",
        "0",
        "--no-sign",
        "--json",
    ]

    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while len(_finished_prompts(state_file)) < 3:
        assert process.poll() is None, process.stderr.read().decode()[-2000:]
        assert time.monotonic() < deadline, "rlaif made no progress"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    process.stderr.close()
    before = _finished_prompts(state_file)
    assert 3 <= len(before) < 12, "the kill should land mid-run"
    with open(output / "prefs.jsonl", "a") as data:  # as if the kill had landed inside a write
        data.write('{"prompt": "half a line')

    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-2000:]
    report = json.loads(finished.stdout)

    assert report["prompts"] == 12 and report["failed"] == 0
    assert report["pairs"] + report["skipped"] == 12
    assert report["this_run"]["pair"] + report["this_run"]["skipped"] == 12 - len(before)
    assert report["repaired_files"] == [str(output / "prefs.jsonl")]
    statuses = Counter(_finished_prompts(state_file))
    assert set(statuses) == {f"demo-{i:03d}" for i in range(12)}
    assert set(statuses.values()) == {1}, f"a prompt was processed twice: {statuses}"
    pairs = [json.loads(line) for line in (output / "prefs.jsonl").read_text().splitlines()]
    pair_ids = [p["metadata"]["prompt_id"] for p in pairs]
    assert len(pair_ids) == len(set(pair_ids)) == report["pairs"]
