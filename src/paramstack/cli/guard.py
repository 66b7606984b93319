"""``paramstack guard``: check texts against a policy, run a policy's regression suite, train classifiers."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from paramstack.cli.output import cli_errors, emit, fail

app = typer.Typer(no_args_is_help=True, help="Guardrails: check texts, test and train policies.")

PolicyOption = Annotated[str, typer.Option("--policy", "-p", help="Policy name (default, medical, legal) or file.")]
PolicyDirOption = Annotated[Path | None, typer.Option("--policy-dir", help="Directory of custom policies.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]

# Inputs are read with a bound: a guard never needs more than its policy's max_chars (+1 to notice).
_READ_LIMIT_BYTES = 64 * 1024 * 1024


def _load(policy: str, policy_dir: Path | None) -> Any:
    from paramstack.guard import Guard

    return Guard.from_policy_name(policy, policy_dir)


def _read_text(path: Path) -> str:
    if str(path) == "-":
        return sys.stdin.read(_READ_LIMIT_BYTES)
    with path.open("rb") as handle:
        # Binary input is read as text with replacement characters, not refused: it is still checked.
        return handle.read(_READ_LIMIT_BYTES).decode("utf-8", errors="replace")


def _render(result: dict[str, Any]) -> str:
    lines = [f"action: {result['action']}"]
    for f in result["findings"]:
        lines.append(f"  {f['check']}/{f['type']} [{f['start']}:{f['end']}] score {f['score']}")
    lines.append("text: " + ("(blocked)" if result["text"] is None else result["text"]))
    return "\n".join(lines)


@app.command("check")
def check(
    policy: PolicyOption = "default",
    file: Annotated[Path | None, typer.Argument(help="File to check ('-' for stdin).")] = None,
    text: Annotated[str | None, typer.Option("--text", "-t", help="Text to check.")] = None,
    jsonl: Annotated[Path | None, typer.Option("--jsonl", help='File of {"text": ...} lines; one result each.')] = None,
    direction: Annotated[str, typer.Option("--direction", "-d", help="input or output.")] = "input",
    policy_dir: PolicyDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check one text (or many, with --jsonl) and print the action, the validated text and the findings."""
    if direction not in ("input", "output"):
        fail(f"--direction must be 'input' or 'output', not {direction!r}")
    if sum(x is not None for x in (file, text, jsonl)) != 1:
        fail("give exactly one of --text, FILE or --jsonl")
    with cli_errors():
        guard = _load(policy, policy_dir)
        if jsonl is not None:
            _check_jsonl(guard, jsonl, direction)
            return
        if text is None:
            assert file is not None  # exactly one of FILE, --text and --jsonl: checked above
            text = _read_text(file)
        emit(guard.validate(text, direction).to_dict(), as_json, _render)


def _check_jsonl(guard: Any, path: Path, direction: str) -> None:
    stream = sys.stdin if str(path) == "-" else path.open(encoding="utf-8", errors="replace")
    with stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                content = record["text"]
                if not isinstance(content, str):
                    raise TypeError
            except (json.JSONDecodeError, KeyError, TypeError):
                fail(f"{path}, line {number}: expected a JSON object with a string 'text'")
            typer.echo(json.dumps(guard.validate(content, direction).to_dict(), ensure_ascii=False))


@app.command("test")
def test(
    policy: Annotated[str, typer.Argument(help="Policy name or file.")],
    cases: Annotated[Path, typer.Argument(help="Cases YAML file.")],
    policy_dir: PolicyDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run a policy regression suite; exit code 1 when a case fails."""
    from paramstack.guard.regression import run_cases

    with cli_errors():
        results = run_cases(_load(policy, policy_dir), cases)
    failed = [r for r in results if not r.passed]
    report = {
        "policy": policy,
        "cases": len(results),
        "passed": len(results) - len(failed),
        "failed": [{"name": r.name, "problems": r.problems} for r in failed],
    }

    def render(data: dict[str, Any]) -> str:
        lines = [f"FAIL {f['name']}: {'; '.join(f['problems'])}" for f in data["failed"]]
        return "\n".join([*lines, f"{data['passed']} passed, {len(data['failed'])} failed"])

    emit(report, as_json, render)
    if failed:
        raise typer.Exit(1)


@app.command("train")
def train(
    out: Annotated[Path | None, typer.Option("--out", help="Where to write the weights (default: shipped).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Retrain the jailbreak and toxicity classifiers (deterministic) and print held-out metrics."""
    from paramstack.guard.train import DATA_DIR, train_all

    with cli_errors():
        report = train_all(out or DATA_DIR)
    emit(report, as_json, lambda r: "\n".join(f"{task}: {figures}" for task, figures in r.items()))


@app.command("policies")
def policies(policy_dir: PolicyDirOption = None, as_json: JsonOption = False) -> None:
    """List the policy names visible (custom directory first, then shipped), validating each."""
    from paramstack.guard import GuardRegistry

    with cli_errors():
        registry = GuardRegistry(policy_dir).load_all()
        listing = {name: registry.get(name).policy.description for name in registry.names()}
    emit(listing, as_json, lambda r: "\n".join(f"{name}: {about}" for name, about in r.items()))


if __name__ == "__main__":  # lets tests and operators run the group without the full CLI
    app()
