"""`paramstack eval`: pairwise win-rate judged in both orders, so a position-biased judge cannot flatter."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from paramstack.cli.main import app
from paramstack.train.evaluate import bootstrap_interval
from tests.train_loop.conftest import completion

runner = CliRunner()


def test_both_orders_cancel_a_judge_that_always_prefers_the_first_answer(
    tiny_model, demo_prompts, chat_server, tmp_path, monkeypatch
):
    monkeypatch.setenv("PARAMSTACK_HOME", str(tmp_path / "home"))
    model_dir, adapters_dir = tiny_model
    _, heldout = demo_prompts
    server = chat_server(lambda body: (200, completion('{"winner": "A", "score_a": 8, "score_b": 3}')))
    output = tmp_path / "eval.json"
    result = runner.invoke(
        app,
        [
            "eval",
            "--model",
            str(model_dir),
            "--candidate",
            str(adapters_dir / "legal-lora"),
            "--prompts",
            str(heldout),
            "--judge",
            f"openai:{server.url}#judge",
            "--max-tokens",
            "12",
            "--output",
            str(output),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)

    assert report["judged_prompts"] == 4 and report["judgements"] == 8 and len(server.requests) == 8
    assert report["win_rate"] == 0.5 and report["wins"] == report["losses"] == 4
    assert report["position_consistency"] == 0.0  # the judge only ever looked at the position
    assert report["ci95"] == [0.5, 0.5]
    shown = [r["messages"][-1]["content"] for r in server.requests]
    assert all("Answer A:" in text and "Answer B:" in text for text in shown)
    details = [json.loads(line) for line in (tmp_path / "eval.details.jsonl").read_text().splitlines()]
    assert {d["candidate_first"] for d in details} == {"first"} and {d["baseline_first"] for d in details} == {"first"}
    assert json.loads(output.read_text())["win_rate"] == 0.5


def test_the_offline_judge_compares_an_adapter_with_the_base(tiny_model, demo_prompts, tmp_path, monkeypatch):
    monkeypatch.setenv("PARAMSTACK_HOME", str(tmp_path / "home"))
    model_dir, adapters_dir = tiny_model
    _, heldout = demo_prompts
    result = runner.invoke(
        app,
        [
            "eval",
            "--model",
            str(model_dir),
            "--candidate",
            str(adapters_dir / "legal-lora"),
            "--prompts",
            str(heldout),
            "--max-tokens",
            "12",
            "--temperature",
            "0.7",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert "win-rate" in result.stdout and "95% CI" in result.stdout and "judgements" in result.stdout

    mismatch = runner.invoke(
        app, ["eval", "--model", str(model_dir), "--candidate", str(tmp_path), "--prompts", str(heldout)]
    )
    assert mismatch.exit_code == 2 and "adapter" in mismatch.stderr


def test_bootstrap_interval_widens_with_disagreement():
    assert bootstrap_interval([1.0] * 20, 1000, 0) == (1.0, 1.0)
    low, high = bootstrap_interval([1.0, 0.0] * 10, 1000, 0)
    assert 0.2 <= low < 0.5 < high <= 0.8
