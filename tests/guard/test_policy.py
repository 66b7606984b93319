"""Policy files: inheritance, and precise errors (file, line, field) for everything invalid."""

from __future__ import annotations

from pathlib import Path

import pytest

from paramstack.errors import ConfigurationError
from paramstack.guard import Guard, GuardRegistry


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "checks:\n  - check: pii\n    action: mask\n  - check: pii2\n    action: block\n",
            r"line 4: checks\[1\]\.check: unknown check 'pii2'; known checks: "
            r"copyright, disclaimer, injection, jailbreak",
        ),
        (
            "checks:\n  - check: jailbreak\n    action: block\n    threshold: 1.5\n",
            r"line 4: checks\[0\]\.threshold: Input should be less than or equal to 1 \(got 1\.5\)",
        ),
        (
            "checks:\n  - check: jailbreak\n    action: block\n    threshold: high\n",
            r"line 4: checks\[0\]\.threshold: Input should be a valid number",
        ),
        ("checks:\n  - check: pii\n    action: mask\n   bad indent: [\n", r"line \d+: invalid YAML"),
        (
            "checks:\n  - check: pii\n    action: append\n",
            r"line 3: checks\[0\]\.action: action 'append' is not allowed for check 'pii'",
        ),
        ("checks:\n  - check: pii\n    action: mask\n    colour: red\n", r"line 4: checks\[0\]\.colour: unknown field"),
        (
            "checks:\n  - check: pii\n    action: mask\n    settings:\n      entities: [EMAIL, PASSPORT]\n",
            r"line 5: checks\[0\]\.settings\.entities\[1\]: Input should be 'EMAIL'",
        ),
        ("checks:\n  - check: pii\n", r"line 2: checks\[0\]\.check: check 'pii' needs an 'action'"),
        ("- just a list\n", r"line 1: \(top level\): a policy must be a mapping"),
        (
            "checks:\n  - check: copyright\n    action: block\n    settings: {}\n",
            r"line 4: checks\[0\]\.settings\.corpus: Field required",
        ),
        (
            "checks:\n  - check: jailbreak\n    action: block\n    settings:\n      extra_patterns: ['(unclosed']\n",
            r"line 5: checks\[0\]\.settings\.extra_patterns: Value error, extra pattern",
        ),
    ],
)
def test_invalid_policy_fails_at_load_naming_line_and_field(tmp_path: Path, body: str, expected: str) -> None:
    path = write(tmp_path, "bad.yaml", body)
    with pytest.raises(ConfigurationError, match=expected) as error:
        Guard.from_yaml(path)
    assert str(path) in error.value.message


def test_child_overrides_and_disables_inherited_checks(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", "checks:\n  - check: pii\n    action: mask\n  - check: toxicity\n    action: block\n")
    child = write(
        tmp_path,
        "child.yaml",
        "extends: base\nchecks:\n  - id: pii\n    settings: {entities: [EMAIL]}\n"
        "  - id: toxicity\n    enabled: false\n",
    )
    guard = Guard.from_yaml(child)
    assert [c.id for c in guard.policy.checks] == ["pii"]
    result = guard.validate("a@b.co 10000000146 you idiot")
    assert result.text == "[EMAIL] 10000000146 you idiot"


def test_error_in_a_base_policy_names_the_base_file(tmp_path: Path) -> None:
    base = write(tmp_path, "base.yaml", "checks:\n  - check: pii\n    action: mask\n    threshold: -1\n")
    child = write(tmp_path, "child.yaml", "extends: base.yaml\nchecks: []\n")
    with pytest.raises(ConfigurationError, match=f"{base}, line 4"):
        Guard.from_yaml(child)


def test_override_of_an_unknown_id_and_cycles_are_errors(tmp_path: Path) -> None:
    child = write(tmp_path, "child.yaml", "extends: default\nchecks:\n  - id: nothing\n    threshold: 0.2\n")
    with pytest.raises(ConfigurationError, match=r"line 3: checks\[0\]\.id: no inherited check has id 'nothing'"):
        Guard.from_yaml(child)
    write(tmp_path, "a.yaml", "extends: b\nchecks: []\n")
    write(tmp_path, "b.yaml", "extends: a\nchecks: []\n")
    with pytest.raises(ConfigurationError, match="cycle"):
        Guard.from_yaml(tmp_path / "a.yaml")


def test_registry_custom_dir_extends_and_shadows_shipped_policies(tmp_path: Path) -> None:
    write(
        tmp_path,
        "clinic.yaml",
        "extends: medical\nchecks:\n  - id: disclaimer\n    settings:\n"
        "      text: {en: 'Ask your GP.', tr: 'Hekiminize sorun.'}\n",
    )
    write(tmp_path, "default.yaml", "checks:\n  - check: pii\n    action: log\n")
    registry = GuardRegistry(tmp_path).load_all()
    assert {"clinic", "default", "medical", "legal"} <= set(registry.names())
    assert registry.get("clinic").validate("Rest and drink water.", "output").text.endswith("Ask your GP.")
    assert registry.get("default").validate("a@b.co").action == "allow"  # the custom default only logs
    with pytest.raises(ConfigurationError, match="unknown guard policy 'nope'"):
        registry.get("nope")


def test_registry_refuses_to_start_with_a_broken_policy(tmp_path: Path) -> None:
    write(tmp_path, "broken.yaml", "checks:\n  - check: pii\n    action: explode\n")
    with pytest.raises(ConfigurationError, match=r"broken.yaml, line 3: checks\[0\]\.action"):
        GuardRegistry(tmp_path).load_all()


def test_oversized_input_is_blocked_not_scanned(tmp_path: Path) -> None:
    path = write(tmp_path, "small.yaml", "max_chars: 100\nchecks:\n  - check: pii\n    action: mask\n")
    result = Guard.from_yaml(path).validate("x" * 101)
    assert result.action == "block" and result.findings[0].type == "too_large"
