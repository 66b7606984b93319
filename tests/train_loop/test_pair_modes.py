"""More preference signal from the same candidates: ``--pairs all`` (every pair the judge separates by the
margin, in the same line format as best-worst) and ``--rpo-alpha`` (DPO plus NLL on the chosen answer)."""

from __future__ import annotations

import itertools
import json

import pytest
from typer.testing import CliRunner

from paramstack.cli.main import app
from paramstack.errors import InvalidRequest
from paramstack.train.dpo import DpoConfig, train_dpo
from paramstack.train.preference_data import read_pairs
from paramstack.train.rlaif import RlaifConfig, preference_indices, run_rlaif
from paramstack.train.signing import Signer
from tests.train_loop.conftest import completion

runner = CliRunner()
LINE_FIELDS = {"prompt", "chosen", "rejected", "chosen_score", "rejected_score", "metadata"}


def test_best_worst_keeps_one_pair_and_all_keeps_every_pair_the_margin_allows():
    overall, texts = [9.0, 7.0, 5.0, 3.0], ["a", "b", "c", "d"]
    assert preference_indices(overall, texts, "best-worst", 0.5) == [(0, 3)]
    every = preference_indices(overall, texts, "all", 0.5)
    assert every[0] == (0, 3)  # the widest pair first
    assert sorted(every) == [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
    assert sorted(preference_indices(overall, texts, "all", 3.0)) == [(0, 2), (0, 3), (1, 3)]
    assert preference_indices(overall, texts, "all", 7.0) == preference_indices(overall, texts, "best-worst", 7.0)
    assert preference_indices(overall, texts, "all", 6.5) == []


def test_all_pairs_never_pair_a_text_with_itself_nor_repeat_a_pair():
    overall, texts = [6.0, 6.0, 2.0, 6.0, 2.0], ["same", " same ", "bad", "other", "bad"]
    assert sorted(preference_indices(overall, texts, "all", 0.5)) == [(0, 2), (3, 2)]
    assert preference_indices([4.0, 1.0], ["x", "x "], "all", 0.5) == []
    assert preference_indices([4.0, 1.0], ["x", "x "], "best-worst", 0.5) == []


def test_rlaif_all_pairs_writes_every_separated_pair_in_the_product_format(demo_prompts, chat_server, tmp_path):
    prompts, _ = demo_prompts
    answers = itertools.count(1)

    def reply(body):
        if body["model"] == "judge":  # answers 1..4 scored 7, 5, 3, 1: all six pairs are 2+ apart
            return 200, completion(
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
            )
        return 200, completion(f"answer {next(answers)}: on the topic asked, told clearly.")

    server = chat_server(reply)
    output = tmp_path / "prefs.jsonl"
    config = RlaifConfig(
        prompts=prompts,
        output=output,
        model=f"openai:{server.url}#m",
        limit=3,
        judge=f"openai:{server.url}#judge",
        pairs="all",
        margin=1.5,
    )
    report = run_rlaif(config, signer=Signer.disabled(), progress=False)

    assert report["failed"] == 0 and report["pairs"] == 3 and report["pair_lines"] == 18
    lines = [json.loads(line) for line in output.read_text().splitlines()]
    assert all(set(line) == LINE_FIELDS for line in lines)
    assert all(
        line["metadata"]["margin"] == round(line["chosen_score"] - line["rejected_score"], 3) >= 1.5 for line in lines
    )
    by_prompt = {
        pid: [line for line in lines if line["metadata"]["prompt_id"] == pid]
        for pid in {line["metadata"]["prompt_id"] for line in lines}
    }
    assert all(len({(p["chosen"], p["rejected"]) for p in group}) == 6 for group in by_prompt.values())
    assert len(read_pairs(output)) == 18  # DPO reads them as they are

    again = run_rlaif(config, signer=Signer.disabled(), progress=False)  # a rerun asks nothing twice
    assert again["this_run"] == {"pair": 0, "skipped": 0, "failed": 0} and again["pair_lines"] == 18


def test_an_unknown_pair_mode_and_a_negative_rpo_alpha_are_refused(tiny_model, tmp_path, monkeypatch):
    monkeypatch.setenv("PARAMSTACK_HOME", str(tmp_path / "home"))
    model_dir, _ = tiny_model
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text('{"prompt": "What is LoRA?"}\n')
    result = runner.invoke(
        app,
        [
            "rlaif",
            "--prompts",
            str(prompts),
            "--output",
            str(tmp_path / "out"),
            "--model",
            str(model_dir),
            "--pairs",
            "every",
        ],
    )
    assert result.exit_code == 2 and "--pairs 'every'" in result.stderr and "best-worst, all" in result.stderr
    assert not (tmp_path / "out").exists()

    dataset = tmp_path / "pairs.jsonl"
    dataset.write_text(_pairs_jsonl(8))
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
            "--rpo-alpha",
            "-1",
        ],
    )
    assert result.exit_code == 2 and "--rpo-alpha" in result.stderr
    assert not (tmp_path / "adapter").exists()


def test_rpo_alpha_adds_the_nll_of_the_chosen_answers_to_the_dpo_loss(tiny_model, tmp_path):
    model_dir, _ = tiny_model
    dataset = tmp_path / "pairs.jsonl"
    dataset.write_text(_pairs_jsonl(8))

    def first_loss(rpo_alpha: float) -> float:
        report = train_dpo(
            DpoConfig(
                base_model=model_dir,
                dataset=dataset,
                output_dir=tmp_path / f"a{rpo_alpha}",
                rpo_alpha=rpo_alpha,
                max_steps=1,
                heldout_fraction=0.0,
                sign=False,
            ),
            progress=False,
        )
        return report["train_loss_start"]

    plain = first_loss(0.0)
    assert abs(plain - 0.6931) < 1e-3  # DPO starts at log 2: the adapter starts as the reference
    assert first_loss(1.0) > plain + 1.0  # the tiny model's NLL on the chosen answers is several nats


def _pairs_jsonl(count: int) -> str:
    return "".join(
        json.dumps(
            {
                "prompt": f"What is topic {i}?",
                "chosen": f"Topic {i} is a clear thing to explain.",
                "rejected": "no",
                "chosen_score": 8,
                "rejected_score": 2,
            }
        )
        + "\n"
        for i in range(count)
    )


def test_a_second_round_continues_the_first_rounds_adapter_against_it_as_reference(tiny_model, signer, tmp_path):
    from safetensors.torch import load_file

    from paramstack.attest import read_manifest

    model_dir, _ = tiny_model
    dataset = tmp_path / "pairs.jsonl"
    dataset.write_text(_pairs_jsonl(8))
    first, second = tmp_path / "round-1", tmp_path / "round-2"
    train_dpo(
        DpoConfig(base_model=model_dir, dataset=dataset, output_dir=first, lr=5e-3, max_steps=4, heldout_fraction=0.0),
        signer=signer,
        progress=False,
    )
    report = train_dpo(
        DpoConfig(
            base_model=model_dir,
            dataset=dataset,
            output_dir=second,
            lr=5e-3,
            max_steps=4,
            heldout_fraction=0.0,
            init_adapter=first,
        ),
        signer=signer,
        progress=False,
    )

    assert abs(report["train_loss_start"] - 0.6931) < 1e-3  # the reference is round 1's adapter, not the base
    assert not (second / "ref").exists()  # TRL's frozen reference copy is not part of the adapter
    before, after = load_file(first / "adapter_model.safetensors"), load_file(second / "adapter_model.safetensors")
    assert before.keys() == after.keys() and any(not before[k].equal(after[k]) for k in before)
    assert read_manifest(first).digest in [p.digest for p in read_manifest(second).parents]  # chain of custody

    missing = DpoConfig(base_model=model_dir, dataset=dataset, output_dir=tmp_path / "x", init_adapter=tmp_path)
    with pytest.raises(InvalidRequest, match="--init-adapter"):
        missing.validate()
