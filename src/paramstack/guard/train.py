"""Train the jailbreak and toxicity classifiers from the labelled sets paramstack ships; evaluate on held-out.

``paramstack guard train`` (or ``python -m paramstack.guard.train``) rewrites
``guard/data/{jailbreak,toxicity}.safetensors`` byte for byte the same on every run: training starts from
zero weights, is full-batch, and has no randomness. Texts are normalised exactly as at serving time, and
featurised exactly as at serving time: ``classifier.text_features`` (distinct n-grams, unit-normalised, with
the evidence floor) is the one feature function, which the scorer applies to every sliding window.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from paramstack.errors import ConfigurationError
from paramstack.guard.classifier import NgramClassifier, train_classifier
from paramstack.guard.normalize import normalize

DATA_DIR = Path(__file__).parent / "data"

# name -> (positive label key, negative label key) in the YAML sets
TASKS: dict[str, tuple[str, str]] = {"jailbreak": ("attack", "benign"), "toxicity": ("toxic", "benign")}


@dataclass(frozen=True)
class LabelledSet:
    texts: list[str]
    labels: list[int]

    @property
    def digest(self) -> str:
        payload = "\n".join(f"{label}\t{text}" for text, label in zip(self.texts, self.labels, strict=True))
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class Metrics:
    precision: float
    recall: float
    false_positive_rate: float
    accuracy: float
    positives: int
    negatives: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "false_positive_rate": round(self.false_positive_rate, 4),
            "accuracy": round(self.accuracy, 4),
            "positives": self.positives,
            "negatives": self.negatives,
        }


def load_set(path: Path, task: str) -> LabelledSet:
    positive_key, negative_key = TASKS[task]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get(positive_key), list):
        raise ConfigurationError(f"{path}: expected lists '{positive_key}' and '{negative_key}'")
    positives = [str(t) for t in data[positive_key]]
    negatives = [str(t) for t in data.get(negative_key, [])]
    return LabelledSet(positives + negatives, [1] * len(positives) + [0] * len(negatives))


def metrics(predicted: list[bool], labels: list[int]) -> Metrics:
    tp = sum(1 for p, y in zip(predicted, labels, strict=True) if p and y)
    fp = sum(1 for p, y in zip(predicted, labels, strict=True) if p and not y)
    fn = sum(1 for p, y in zip(predicted, labels, strict=True) if not p and y)
    tn = len(labels) - tp - fp - fn
    return Metrics(
        precision=tp / (tp + fp) if tp + fp else 1.0,
        recall=tp / (tp + fn) if tp + fn else 1.0,
        false_positive_rate=fp / (fp + tn) if fp + tn else 0.0,
        accuracy=(tp + tn) / len(labels) if labels else 1.0,
        positives=tp + fn,
        negatives=fp + tn,
    )


def training_set(task: str, data_dir: Path = DATA_DIR) -> LabelledSet:
    """``<task>_train.yaml`` plus every ``<task>_train_*.yaml`` in name order: ``_generated`` (the TRAIN split of
    ``evals/guard``, written by ``evals/guard/train/generate.py``) and ``_blind1`` (blind split 1, once measured)."""
    training = load_set(data_dir / f"{task}_train.yaml", task)
    for extra_path in sorted(data_dir.glob(f"{task}_train_*.yaml")):
        extra = load_set(extra_path, task)
        training = LabelledSet(training.texts + extra.texts, training.labels + extra.labels)
    return training


def train_task(task: str, data_dir: Path = DATA_DIR) -> NgramClassifier:
    training = training_set(task, data_dir)
    model = train_classifier([normalize(t).text for t in training.texts], training.labels)
    model.metadata.update({"task": task, "train_set_sha256": training.digest, "examples": str(len(training.texts))})
    return model


def evaluate_classifier(model: NgramClassifier, labelled: LabelledSet, threshold: float = 0.5) -> Metrics:
    predicted = [model.score(normalize(t).text).probability >= threshold for t in labelled.texts]
    return metrics(predicted, labelled.labels)


def train_all(out_dir: Path = DATA_DIR, data_dir: Path = DATA_DIR) -> dict[str, dict[str, float | int]]:
    """Train every task, write ``<task>.safetensors`` into ``out_dir``; return held-out metrics."""
    report: dict[str, dict[str, float | int]] = {}
    out_dir.mkdir(parents=True, exist_ok=True)
    for task in TASKS:
        model = train_task(task, data_dir)
        model.save(out_dir / f"{task}.safetensors")
        heldout = load_set(data_dir / f"{task}_heldout.yaml", task)
        report[task] = evaluate_classifier(model, heldout).as_dict()
    return report


if __name__ == "__main__":
    for name, figures in train_all().items():
        print(name, figures)
