"""Adversarial and huge inputs finish (no catastrophic backtracking); training is reproducible."""

from __future__ import annotations

from pathlib import Path

import pytest

from paramstack.guard import Guard
from paramstack.guard.classifier import NgramClassifier
from paramstack.guard.train import DATA_DIR, evaluate_classifier, load_set, train_all

ADVERSARIAL = {
    "digits": "1" * 100_000,
    "digit groups": "1234 " * 20_000,
    "plus digits": "+" + "9" * 99_999,
    "email-ish": "a." * 50_000 + "@",
    "ats": "a@" * 50_000,
    "colons": "a:" * 50_000,
    "dots": "1." * 50_000,
    "ibanish": "TR" + "0" * 99_998,
    "spaced letters": "a " * 50_000,
    "words": "ignore " * 14_000,
    "turkish": "önceki " * 14_000,
    "binary": bytes(range(256)).decode("latin-1") * 390,
    "zero width": "\u200b" * 100_000,
}


@pytest.mark.parametrize("name", ADVERSARIAL)
def test_adversarial_100kb_inputs_finish(default_guard: Guard, name: str) -> None:
    # Measured only as "finishes" under the suite's timeout; bench/guard.py reports the times.
    text = ADVERSARIAL[name]
    for direction in ("input", "output"):
        result = default_guard.validate(text, direction)
        assert result.action in ("allow", "mask", "block")


def test_training_is_reproducible_and_beats_chance_on_held_out(tmp_path: Path) -> None:
    report = train_all(tmp_path)
    for task in ("jailbreak", "toxicity"):
        assert (tmp_path / f"{task}.safetensors").read_bytes() == (DATA_DIR / f"{task}.safetensors").read_bytes()
        model = NgramClassifier.load(tmp_path / f"{task}.safetensors")
        heldout = evaluate_classifier(model, load_set(DATA_DIR / f"{task}_heldout.yaml", task))
        assert heldout.recall >= 0.8 and heldout.false_positive_rate <= 0.1, (task, report[task])


def test_held_out_sets_share_no_text_with_training_sets() -> None:
    for task in ("jailbreak", "toxicity"):
        train = set(load_set(DATA_DIR / f"{task}_train.yaml", task).texts)
        heldout = set(load_set(DATA_DIR / f"{task}_heldout.yaml", task).texts)
        assert not train & heldout
