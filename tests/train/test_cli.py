"""The training commands as a user runs them: one JSON document with --json; bad input -> one line, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paramstack.cli.main import app


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def _one_line_error(result) -> str:  # noqa: ANN001
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def test_corpus_build_json(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("Ailydian ekosistemi ve paramstack bir arada çalışır, bu çok güzel.")
    (tmp_path / "b.txt").write_text("Ailydian ekosistemi ve paramstack bir arada çalışır, bu çok güzel.")
    result = runner.invoke(
        app,
        [
            "corpus",
            "build",
            str(tmp_path / "a.md"),
            str(tmp_path / "b.txt"),
            "-o",
            str(tmp_path / "out"),
            "--pii-scrub",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["docs"] == 1 and data["exact_duplicates_removed"] == 1 and data["languages"] == {"tr": 1}
    assert (tmp_path / "out" / "corpus.jsonl").is_file()


def test_corpus_build_bad_input(runner: CliRunner, tmp_path: Path) -> None:
    assert "not found" in _one_line_error(
        runner.invoke(app, ["corpus", "build", str(tmp_path / "nope"), "-o", str(tmp_path / "o")])
    )
    (tmp_path / "empty").mkdir()
    assert "no usable documents" in _one_line_error(
        runner.invoke(app, ["corpus", "build", str(tmp_path / "empty"), "-o", str(tmp_path / "o")])
    )


def test_tokenizer_train_json_and_bad_input(runner: CliRunner, tmp_path: Path, micro_corpus_dir: Path) -> None:
    result = runner.invoke(
        app,
        [
            "tokenizer",
            "train",
            "--corpus",
            str(micro_corpus_dir),
            "-o",
            str(tmp_path / "t"),
            "--vocab-size",
            "600",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["vocab_size"] == 600 and data["eos_token"] == "<|end|>"
    assert set(data["fertility"]) == {"tr", "en"}
    assert "not a corpus directory" in _one_line_error(
        runner.invoke(app, ["tokenizer", "train", "--corpus", str(tmp_path / "missing"), "-o", str(tmp_path / "t2")])
    )


def test_pretrain_bad_input(runner: CliRunner, tmp_path: Path, micro_corpus_dir: Path) -> None:
    line = _one_line_error(
        runner.invoke(
            app,
            [
                "pretrain",
                "--corpus",
                str(micro_corpus_dir),
                "--tokenizer",
                str(tmp_path / "none"),
                "-o",
                str(tmp_path / "m"),
            ],
        )
    )
    assert "not a tokenizer directory" in line
    line = _one_line_error(
        runner.invoke(
            app,
            [
                "pretrain",
                "--corpus",
                str(micro_corpus_dir),
                "--tokenizer",
                str(tmp_path),
                "-o",
                str(tmp_path / "m"),
                "--heads",
                "3",
            ],
        )
    )
    assert "heads" in line


def test_pretrain_and_sft_json(
    runner: CliRunner, tmp_path: Path, micro_corpus_dir: Path, micro_tokenizer_dir: Path
) -> None:
    result = runner.invoke(
        app,
        [
            "pretrain",
            "--corpus",
            str(micro_corpus_dir),
            "--tokenizer",
            str(micro_tokenizer_dir),
            "-o",
            str(tmp_path / "m"),
            "--hidden-size",
            "32",
            "--layers",
            "1",
            "--heads",
            "2",
            "--kv-heads",
            "1",
            "--intermediate-size",
            "64",
            "--context-length",
            "32",
            "--steps",
            "3",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["steps"] == 3
    result = runner.invoke(
        app,
        [
            "sft",
            "--base",
            str(tmp_path / "m"),
            "--corpus",
            str(micro_corpus_dir),
            "-o",
            str(tmp_path / "a"),
            "--steps",
            "2",
            "--r",
            "4",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["steps"] == 2
    assert (tmp_path / "a" / "adapter_model.safetensors").is_file()
    line = _one_line_error(
        runner.invoke(
            app,
            ["sft", "--base", str(tmp_path / "nothing"), "--corpus", str(micro_corpus_dir), "-o", str(tmp_path / "a2")],
        )
    )
    assert "not a model directory" in line
