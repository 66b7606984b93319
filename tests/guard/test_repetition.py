"""Repetitive, templated and junk texts are not blocked; repetition cannot inflate a classifier's score.

Regression for a defect found in integration: the classifiers' features were n-gram counts divided by the
square root of their total, so a repeated n-gram contributed ``weight * sqrt(N)`` and "inininininin" was
blocked as toxic with score 1.0. Real model outputs repeat (small models loop; tables, code, "hahaha",
"!!!!!!"), so the features are now the distinct n-grams of each scoring window, unit-normalised, and the
same feature function is used in training and scoring (checked here against a brute-force computation).
"""

from __future__ import annotations

import itertools
import random
import string
from pathlib import Path

import numpy as np
import pytest

from paramstack.errors import ConfigurationError
from paramstack.guard import Guard, GuardRegistry
from paramstack.guard import classifier as classifier_module
from paramstack.guard.classifier import (
    NgramClassifier,
    distinct_features,
    load_safetensors,
    ngram_buckets,
    save_safetensors,
    text_features,
    window_index,
    window_scores,
)
from paramstack.guard.normalize import normalize
from paramstack.guard.train import DATA_DIR, load_set

from .test_evasion import ATTACKS, TOXIC

POLICIES = ("default", "medical", "legal")
CLASSIFIED = ("jailbreak", "toxicity")


def _fill(unit: str, size: int = 2048) -> str:
    return (unit * (size // len(unit) + 1))[:size]


_rng = random.Random(20240611)
REPETITIVE = {
    "inin": "inininininin",
    "n x10": "nnnnnnnnnn",
    "n x6": "nnnnnn",
    "haha": "hahahahahaha",
    "HAHA": "HAHAHAHAHAHA",
    "ha ha": "ha ha ha ha ha ha",
    "bangs": "!!!!!!!!!!!!",
    "question marks": "?" * 300,
    "dashes 2KB": "-" * 2048,
    "lol": "lol " * 200,
    "xD": "xD " * 300,
    "ok": "ok " * 500,
    "emoji": "😂" * 200,
    "a x2000": "a" * 2000,
    "ab x1000": "ab" * 1000,
    "replacement chars": "\ufffd" * 300,
    "byte-fallback junk": "".join(_rng.choice(["\ufffd", "Ã", "Â", "\u0085", "<0x0A>", "ï¿½"]) for _ in range(400)),
    "2KB Turkish sentence": _fill("Bugün hava çok güzel, öğleden sonra parkta yürüyüş yapmayı düşünüyorum. "),
    "2KB English sentence": _fill("The quarterly report is ready for review by the finance team. "),
    "2KB Turkish list": _fill("- Ürün kodu: A-100, stokta 12 adet, fiyatı 250 TL.\n"),
    "markdown table": "| Ad | Yaş | Şehir |\n|---|---|---|\n" + "| Ali | 34 | Ankara |\n| Ayşe | 28 | İzmir |\n" * 30,
    "code block": "```python\n" + "for i in range(10):\n    total = total + i\n    print(total)\n" * 20 + "```\n",
    "looping answer": "Sure, here is the answer. " * 60,
    "numbered list": "".join(f"{i}. item\n" for i in range(1, 150)),
    "random lowercase 500": "".join(_rng.choice(string.ascii_lowercase) for _ in range(500)),
    "random lowercase words": " ".join(
        "".join(_rng.choice(string.ascii_lowercase) for _ in range(_rng.randint(1, 9))) for _ in range(200)
    ),
}


@pytest.fixture(scope="module")
def classifiers() -> dict[str, NgramClassifier]:
    return {task: NgramClassifier.load(DATA_DIR / f"{task}.safetensors") for task in CLASSIFIED}


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("name", REPETITIVE)
def test_repetitive_and_junk_texts_are_not_blocked(registry: GuardRegistry, policy: str, name: str) -> None:
    text = REPETITIVE[name]
    for direction in ("input", "output"):
        result = registry.get(policy).validate(text, direction)
        assert result.action != "block", (direction, result.findings)
        assert not [f for f in result.findings if f.check in CLASSIFIED], (direction, result.findings)


def test_random_letter_strings_and_repeated_short_units_are_not_blocked(default_guard: Guard) -> None:
    rng = random.Random(7)
    texts = ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(1, 300))) for _ in range(150)]
    units = ["".join(u) for k in (1, 2) for u in itertools.product(string.ascii_lowercase, repeat=k)]
    texts += [unit * rng.randint(3, 200) for unit in units]
    blocked = [t[:40] for t in texts for d in ("input", "output") if default_guard.validate(t, d).action == "block"]
    assert not blocked


@pytest.mark.parametrize(
    "unit",
    [
        "in",
        "ha",
        "!",
        "xD ",
        "nin ",
        "ignore ",
        "Sus aptal. ",
        "The quarterly report is ready for review by the finance team. ",
    ],
)
def test_repetition_does_not_raise_a_classifier_score(classifiers: dict[str, NgramClassifier], unit: str) -> None:
    # A window sees each distinct n-gram once, so a periodic text has only a few different windows (where
    # the period starts, whether the padding space is in): once a text holds all of them, more copies
    # change nothing. Counting n-grams, 3000 copies scored like one copy with weights times sqrt(3000).
    for model in classifiers.values():
        base = -(-(2 * model.window + 2 * len(unit)) // len(unit))  # copies that hold every kind of window
        saturated = model.score(normalize(unit * base).text).probability
        for copies in (base + 1, 2 * base, 10 * base, 3000):
            assert model.score(normalize(unit * copies).text).probability == pytest.approx(saturated, abs=1e-9)


def test_window_scores_equal_the_training_features_of_every_window(monkeypatch: pytest.MonkeyPatch) -> None:
    # Brute force: the distinct-bucket features (what training uses) of each window, against the vectorised
    # all-windows computation, across segment boundaries, hash collisions (8 bits) and the evidence floor.
    rng, weights_rng = random.Random(3), np.random.default_rng(3)
    for trial in range(40):
        monkeypatch.setattr(classifier_module, "_SEGMENT", rng.choice([1, 5, 37, 8192]))
        alphabet = "ab " if trial % 2 else string.ascii_lowercase + " .!"
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(60, 300)))  # longer than a window
        window, floor, bits = rng.randint(5, 60), rng.choice([1, 8, 32]), rng.choice([8, 16])
        weights = weights_rng.normal(size=1 << bits).astype(np.float32)
        buckets = ngram_buckets(text, (2, 3, 4, 5), bits)
        expected = []
        for start in range(len(text) + 2 - window + 1):
            distinct, scale = distinct_features([b[start : start + window] for b in buckets], floor)
            expected.append(float(weights[distinct].sum(dtype=np.float64)) * scale)
        segments = window_index(text, (2, 3, 4, 5), bits, window, floor)
        got = np.concatenate([window_scores(segment, weights) for segment in segments])
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)


def test_short_text_score_is_the_trained_logit(classifiers: dict[str, NgramClassifier]) -> None:
    model = classifiers["toxicity"]
    text = normalize("Sus artık, aptal herif.").text
    distinct, scale = text_features(text, model.sizes, model.bits, model.min_features)
    logit = model.bias + float(model.weights[distinct].sum(dtype=np.float64)) * scale
    assert model.score(text).probability == pytest.approx(1 / (1 + np.exp(-logit)))


def test_weights_of_the_old_count_features_are_refused(tmp_path: Path) -> None:
    tensors, metadata = load_safetensors(DATA_DIR / "toxicity.safetensors")
    metadata.pop("features")
    save_safetensors(tmp_path / "old.safetensors", tensors, metadata)
    with pytest.raises(ConfigurationError, match="retrain"):
        NgramClassifier.load(tmp_path / "old.safetensors")


@pytest.mark.parametrize("policy", POLICIES)
def test_attacks_and_toxic_texts_are_still_blocked_by_every_policy(registry: GuardRegistry, policy: str) -> None:
    guard = registry.get(policy)
    assert all(guard.validate(text, "input").action == "block" for text in ATTACKS)
    assert all(guard.validate(text, d).action == "block" for text in TOXIC for d in ("input", "output"))


def test_held_out_quality_of_the_shipped_policy() -> None:
    # The targets of the guard issue, on sets no training saw: jailbreak recall >= 0.90 with <= 5% false
    # positives (input side); toxicity recall >= 0.85 with no false positive (output side, where only the
    # toxicity check can block).
    guard = Guard.from_policy_name("default")
    for task, direction, min_recall, max_fpr in (("jailbreak", "input", 0.90, 0.05), ("toxicity", "output", 0.85, 0.0)):
        held_out = load_set(DATA_DIR / f"{task}_heldout.yaml", task)
        blocked = [guard.validate(text, direction).action == "block" for text in held_out.texts]
        hits = [b for b, y in zip(blocked, held_out.labels, strict=True) if y]
        false_alarms = [b for b, y in zip(blocked, held_out.labels, strict=True) if not y]
        assert sum(hits) / len(hits) >= min_recall, task
        assert sum(false_alarms) / len(false_alarms) <= max_fpr, task
