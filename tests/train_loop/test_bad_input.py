"""Bad input and failing judges: clear errors naming the problem, retries, failed prompts recorded (not
dropped), partial results kept."""

from __future__ import annotations

import json
import time

from typer.testing import CliRunner

from paramstack.cli.main import app
from paramstack.train.rlaif import RlaifConfig, run_rlaif
from paramstack.train.signing import Signer
from tests.train_loop.conftest import completion

runner = CliRunner()


def test_a_malformed_prompts_file_is_refused_naming_the_line(tmp_path, monkeypatch):
    monkeypatch.setenv("PARAMSTACK_HOME", str(tmp_path / "home"))
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text('{"prompt": "What is LoRA?"}\n\n{"prompt": "KVKK nedir?"\n{"prompt": "ok"}\n')
    result = runner.invoke(
        app, ["rlaif", "--prompts", str(prompts), "--output", str(tmp_path / "out"), "--model", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "line 3" in result.stderr and "not valid JSON" in result.stderr
    assert result.stderr.count("\n") == 1  # one line, no traceback

    prompts.write_text('{"prompt": "What is LoRA?"}\n{"question": "no prompt field"}\n')
    result = runner.invoke(
        app, ["rlaif", "--prompts", str(prompts), "--output", str(tmp_path / "out"), "--model", str(tmp_path)]
    )
    assert result.exit_code == 2 and "line 2" in result.stderr and '"prompt"' in result.stderr
    assert not (tmp_path / "out").exists()  # nothing half-made on bad input


def test_a_judge_answering_garbage_is_retried_then_the_prompt_is_recorded_failed(
    tiny_model, demo_prompts, chat_server, tmp_path
):
    model_dir, _ = tiny_model
    prompts, _ = demo_prompts
    replies = iter(["Answer 2 is clearly the best one!", "<html>502 Bad Gateway</html>"] * 100)

    def garbage(body):
        text = next(replies)
        return (200, completion(text)) if text.startswith("Answer") else (200, text)  # prose, then not even JSON

    server = chat_server(garbage)
    output = tmp_path / "prefs.jsonl"
    report = run_rlaif(
        RlaifConfig(
            prompts=prompts,
            output=output,
            model=str(model_dir),
            max_tokens=8,
            limit=3,
            judge=f"openai:{server.url}#judge",
            judge_retries=2,
            concurrency=3,
            judge_price_in=1000,
            judge_price_out=2000,
        ),
        signer=Signer.disabled(),
        progress=False,
    )

    assert report["failed"] == 3 and report["pairs"] == 0
    assert len(server.requests) == 9  # 1 try + 2 retries, for each of the 3 prompts
    assert all("no valid verdict after 3 attempts" in f["reason"] for f in report["failed_prompts"])
    usage = report["judge_usage_this_run"]
    assert usage["calls"] == 9 and usage["retries"] == 6 and usage["failures"] == 3
    # Only the replies that were chat completions billed tokens: 50 in at 1000/1K + 10 out at 2000/1K each.
    assert usage["prompt_tokens"] == 50 * 5 and usage["cost_micros"] == 5 * (50 + 20)
    retries = [r["messages"] for r in server.requests if len(r["messages"]) > 2]
    assert retries and "not valid" in retries[0][-1]["content"]  # the judge is told what was wrong
    state = [json.loads(line) for line in (tmp_path / "prefs.jsonl.state.jsonl").read_text().splitlines()]
    assert sorted(s["prompt_id"] for s in state if s.get("status") == "failed") == ["demo-000", "demo-001", "demo-002"]

    # A rerun with a working judge asks again for exactly the failed prompts, and keeps nothing twice.
    good = chat_server(
        lambda body: (
            200,
            completion(
                json.dumps(
                    {
                        "scores": [
                            {
                                "answer": i,
                                "relevance": 5,
                                "helpfulness": 5,
                                "accuracy": 5,
                                "safety": 10,
                                "clarity": 5,
                                "overall": 9 - 2 * i,
                                "rationale": "ok",
                            }
                            for i in range(1, 5)
                        ]
                    }
                )
            ),
        )
    )
    again = run_rlaif(
        RlaifConfig(
            prompts=prompts,
            output=output,
            model=str(model_dir),
            max_tokens=8,
            limit=3,
            judge=f"openai:{good.url}#judge",
        ),
        signer=Signer.disabled(),
        progress=False,
    )
    assert again["failed"] == 0 and again["this_run"]["pair"] + again["this_run"]["skipped"] == 3
    assert len(good.requests) <= 3  # one call per prompt (fewer if a prompt's candidates were all identical)
    lines = [json.loads(line) for line in output.read_text().splitlines()]
    assert len({line["metadata"]["prompt_id"] for line in lines}) == len(lines) == again["pairs"]
    assert all(line["chosen_score"] == 7 and line["rejected_score"] == 1 for line in lines)


def test_a_judge_that_times_out_is_retried_then_recorded_failed(tiny_model, demo_prompts, chat_server, tmp_path):
    model_dir, _ = tiny_model
    prompts, _ = demo_prompts

    def slow(body):
        time.sleep(1.5)
        return 200, completion("{}")

    server = chat_server(slow)
    report = run_rlaif(
        RlaifConfig(
            prompts=prompts,
            output=tmp_path / "p.jsonl",
            model=str(model_dir),
            max_tokens=8,
            limit=1,
            judge=f"openai:{server.url}#judge",
            judge_retries=1,
            judge_timeout_s=0.3,
        ),
        signer=Signer.disabled(),
        progress=False,
    )
    assert report["failed"] == 1 and "timed out" in report["failed_prompts"][0]["reason"]
    assert len(server.requests) == 2


def test_dpo_refuses_a_dataset_with_too_few_pairs(tiny_model, tmp_path, monkeypatch):
    monkeypatch.setenv("PARAMSTACK_HOME", str(tmp_path / "home"))
    model_dir, _ = tiny_model
    dataset = tmp_path / "few.jsonl"
    dataset.write_text(
        "".join(
            json.dumps(
                {
                    "prompt": f"q{i}",
                    "chosen": "a good answer.",
                    "rejected": "bad",
                    "chosen_score": 8,
                    "rejected_score": 2,
                }
            )
            + "\n"
            for i in range(3)
        )
    )
    result = runner.invoke(
        app,
        ["dpo", "--base-model", str(model_dir), "--dataset", str(dataset), "--output-dir", str(tmp_path / "adapter")],
    )
    assert result.exit_code == 2
    assert "has 3 preference pairs; DPO needs at least 8" in result.stderr
    assert not (tmp_path / "adapter").exists()

    result = runner.invoke(
        app,
        [
            "dpo",
            "--base-model",
            str(model_dir),
            "--dataset",
            str(dataset),
            "--output-dir",
            str(tmp_path / "adapter"),
            "--qlora",
            "--min-pairs",
            "1",
        ],
    )
    assert result.exit_code == 2 and "--qlora" in result.stderr and "CUDA GPU" in result.stderr


def test_a_rate_limited_candidate_endpoint_is_waited_out_not_failed(demo_prompts, chat_server, tmp_path):
    prompts, _ = demo_prompts
    calls = []

    def limited(body):
        calls.append(time.monotonic())
        if len(calls) % 3:  # two refusals, then an answer, as a tenant over its TPS limit sees
            return 429, '{"error": {"message": "Rate limit reached"}}', {"retry-after-ms": "50"}
        return 200, completion(f"answer {len(calls)}: the same topic, told clearly.")

    server = chat_server(limited)
    report = run_rlaif(
        RlaifConfig(
            prompts=prompts,
            output=tmp_path / "p.jsonl",
            model=f"openai:{server.url}#m",
            limit=1,
            num_responses=2,
            temperatures=(0.5,),
            margin=0,
        ),
        signer=Signer.disabled(),
        progress=False,
    )
    assert report["failed"] == 0 and report["pairs"] + report["skipped"] == 1
    assert len(calls) == 6  # each candidate: 429, 429, 200
