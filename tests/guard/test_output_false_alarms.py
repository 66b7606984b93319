"""The output checks do not block plain answers: short factual, medical and legal answers in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from paramstack.guard import GuardRegistry

EVALS = Path(__file__).resolve().parents[2] / "evals" / "guard"


def _answers() -> list[str]:
    texts: list[str] = []
    for split in ("train", "heldout"):
        data = yaml.safe_load((EVALS / split / "outputs.yaml").read_text(encoding="utf-8"))
        texts += [str(t) for language in ("en", "tr") for t in data[language]]
    return texts


@pytest.mark.parametrize("policy", ["default", "medical", "legal"])
def test_no_plain_answer_is_blocked_on_output(registry: GuardRegistry, policy: str) -> None:
    guard = registry.get(policy)
    blocked = [text for text in _answers() if guard.validate(text, "output").blocked]
    assert blocked == []


def test_the_medical_policy_passes_paris_with_its_disclaimer(registry: GuardRegistry) -> None:
    # The report: the medical policy blocked "Paris." as toxic.
    result = registry.get("medical").validate("Paris.", "output")
    assert result.action == "append" and result.text is not None and result.text.startswith("Paris.")
    assert not any(f.check == "toxicity" for f in result.findings)
