"""The README opens with the two set-up commands, and .ci/run calls the README's test command."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert first_block is not None and text.index("```bash") < 200, "the README must open with its commands"
    return [line.split("#")[0].strip() for line in first_block.group(1).splitlines() if line.strip()]


def test_readme_opens_with_two_commands_that_exist():
    commands = readme_commands()
    assert commands == ["make serve", "make test"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for command in commands:
        target = command.split()[1]
        assert re.search(rf"^{target}:", makefile, re.M), f"Makefile has no target {target!r}"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, re.M)


def test_the_test_command_lints_first_and_installs_no_system_packages():
    # A dry run: what `make test` would execute (the .venv set-up included when it is missing).
    planned = subprocess.run(["make", "-n", "-C", str(ROOT), "test"], capture_output=True, text=True, check=True).stdout
    lines = [line.strip() for line in planned.splitlines()]
    ruff = next(i for i, line in enumerate(lines) if line.endswith("ruff check src tests bench"))
    formatted = next(i for i, line in enumerate(lines) if line.endswith("ruff format --check src tests bench"))
    mypy = next(i for i, line in enumerate(lines) if line.endswith("/mypy"))
    pytest = next(i for i, line in enumerate(lines) if line.endswith("/pytest"))
    assert ruff < formatted < mypy < pytest, planned
    assert not any(word in planned for word in ("apt-get", "chromium", "sudo")), planned
    # Chromium for the browser test is its own step, run by CI before the test command.
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make chromium$", ci, re.M) and ci.index("make chromium") < ci.index("\nmake test")
