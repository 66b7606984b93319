"""`paramstack generate` prints the model's answer, one JSON document with --json, one error line on failure."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from paramstack.cli.generate import register


def _cli() -> typer.Typer:
    app = typer.Typer()
    register(app)
    app.command("noop", hidden=True)(lambda: None)  # a second command keeps "generate" a subcommand
    return app


def test_generate_json_with_an_adapter(model_dir, adapters_dir, reference):
    expected, ids = reference.greedy("legal", 8, messages=[{"role": "user", "content": "merhaba"}])
    result = CliRunner().invoke(
        _cli(),
        [
            "generate",
            "--model",
            str(model_dir),
            "--adapters-dir",
            str(adapters_dir),
            "--adapter",
            "legal",
            "--temperature",
            "0",
            "--max-tokens",
            "8",
            "--json",
            "merhaba",
        ],
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["text"] == expected
    assert document["completion_tokens"] == len(ids)
    assert document["adapter"] == "legal"


def test_generate_raw_stream(model_dir, reference):
    expected, _ = reference.greedy(None, 6, prompt="hello world")
    result = CliRunner().invoke(
        _cli(),
        [
            "generate",
            "--model",
            str(model_dir),
            "--raw",
            "--stream",
            "--temperature",
            "0",
            "--max-tokens",
            "6",
            "hello world",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == expected + "\n"
    assert "completion 6 tokens" in result.stderr


def test_generate_errors_are_one_line(model_dir, adapters_dir, tmp_path):
    missing = CliRunner().invoke(_cli(), ["generate", "--model", str(tmp_path / "none"), "merhaba"])
    assert missing.exit_code == 2
    assert missing.stderr.count("\n") == 1 and str(tmp_path / "none") in missing.stderr
    unknown = CliRunner().invoke(
        _cli(),
        [
            "generate",
            "--model",
            str(model_dir),
            "--adapters-dir",
            str(adapters_dir),
            "--adapter",
            "nope",
            "x",
        ],
    )
    assert unknown.exit_code == 2
    assert str(adapters_dir / "nope") in unknown.stderr
