"""Bilingual demo prompts for the preference loop, drawn from the question/answer records shipped with
paramstack's corpus (Turkish and English in equal measure), each with its reference answers.

Training and held-out prompts come from DIFFERENT records (topics), so a held-out win means the adapter
learned something general (answering clearly, on topic, in the asker's language), not one topic's
answer. Both sets come from the corpus the default model was pretrained on: "held out" here means held
out from the preference data, not from pretraining.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from paramstack.errors import ArtifactError


def demo_records(corpus_root: Path | None = None) -> list[dict[str, Any]]:
    from paramstack.assets import corpus_dir

    root = (corpus_root or corpus_dir()) / "base"
    records = []
    for path in sorted(root.glob("*/qa.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                record = json.loads(line)
                records.append({**record, "source": f"{path.parent.name}/qa.jsonl:{number}"})
    if not records:
        raise ArtifactError(f"no qa.jsonl records under {root}: the shipped corpus is missing")
    return records


def write_demo_prompts(path: str | Path, *, train: int = 64, heldout: int = 32, seed: int = 0,
                       corpus_root: Path | None = None) -> tuple[Path, Path]:
    """Write ``path`` (training prompts) and ``<stem>.heldout.jsonl``; returns both paths."""
    rng = random.Random(seed)
    by_lang: dict[str, list[dict[str, Any]]] = {}
    for record in demo_records(corpus_root):
        by_lang.setdefault(record.get("lang", "en"), []).append(record)
    for group in by_lang.values():
        rng.shuffle(group)
    # Interleave languages so any prefix of the file (``--limit``) stays bilingual.
    mixed = [r for batch in zip(*by_lang.values(), strict=False) for r in batch]
    train_records, heldout_records = mixed[:train], mixed[train : train + heldout]
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    heldout_path = out.with_name(out.stem + ".heldout.jsonl")
    _write(out, train_records, rng, "demo")
    _write(heldout_path, heldout_records, rng, "heldout")
    return out, heldout_path


def _write(path: Path, records: list[dict[str, Any]], rng: random.Random, prefix: str) -> None:
    lines = []
    for index, record in enumerate(records):
        question = rng.choice(record["questions"][:6])  # the natural phrasings come first in the corpus
        lines.append(json.dumps({"id": f"{prefix}-{index:03d}", "prompt": question, "lang": record.get("lang"),
                                 "reference": record["answers"], "source": record["source"]}, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
