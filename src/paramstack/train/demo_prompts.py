"""Bilingual demo prompts for the preference loop: questions the way users ask them, with reference answers.

The shipped corpus has question/answer records (Turkish and English in equal measure). Asking its own
questions back would test memory, not answering: the default model was pretrained on them and repeats
the stored answer (measured: 0.97 similarity to the reference on held-out records). So each record's
topic ("grip" in "grip nedir?", "flu" in "What is flu?") is asked in phrasings the corpus does not
contain ("How would you explain flu to a new colleague?"), and the record's answers become references.
A tiny model answers these much less reliably (off topic, or in the other language), which is the
traffic the loop exists to improve.

Training and held-out prompts come from DIFFERENT records (topics), so a held-out win means the adapter
learned something general (staying on the asked topic, in the asker's language), not one topic's answer.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

from paramstack.errors import ArtifactError

TEMPLATES = {
    "tr": (
        "{t} hakkında yeni başlayan birine ne söylersin?",
        "{t} konusunu iki cümleyle özetler misin?",
        "{t} neden önemli?",
        "Bir arkadaşım {t} hakkında soru sordu; ona nasıl anlatayım?",
    ),
    "en": (
        "How would you explain {t} to a new colleague?",
        "Could you sum up {t} in two sentences?",
        "Why does {t} matter?",
        "A friend asked me about {t}. What should I tell them?",
    ),
}
_TOPIC = {
    "tr": re.compile(r"^(?P<t>.+?) (nedir|ne demek)\??$", re.I),
    "en": re.compile(r"^What (is|are|does) (the |a |an )?(?P<t>.+?)( mean)?\?$", re.I),
}
PARTS = ("all", "base", "tenants")


def demo_records(corpus_root: Path | None = None, part: str = "all") -> list[dict[str, Any]]:
    """Question/answer records with an askable topic, from the shipped corpus (``base``, ``tenants`` or both)."""
    from paramstack.assets import corpus_dir

    root = corpus_root or corpus_dir()
    parts = ("base", "tenants") if part == "all" else (part,)
    records, seen = [], set()
    for path in sorted(p for name in parts for p in (root / name).glob("*/qa.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            record = json.loads(line)
            topic = _topic(record)
            key = (record.get("lang"), (topic or "").casefold())
            if topic is None or key in seen:
                continue
            seen.add(key)
            records.append({**record, "topic": topic, "source": f"{path.parent.name}/qa.jsonl:{number}"})
    if not records:
        raise ArtifactError(f"no usable qa.jsonl records under {root}: the shipped corpus is missing")
    return records


def write_demo_prompts(
    path: str | Path,
    *,
    train: int = 64,
    heldout: int = 32,
    seed: int = 0,
    corpus_root: Path | None = None,
    part: str = "all",
) -> tuple[Path, Path]:
    """Write ``path`` (training prompts) and ``<stem>.heldout.jsonl``; returns both paths."""
    rng = random.Random(seed)
    by_lang: dict[str, list[dict[str, Any]]] = {}
    for record in demo_records(corpus_root, part):
        by_lang.setdefault(record.get("lang", "en"), []).append(record)
    for group in by_lang.values():
        rng.shuffle(group)
    # Interleave languages so any prefix of the file (``--limit``) stays bilingual.
    mixed = [r for batch in zip(*by_lang.values(), strict=False) for r in batch]
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    heldout_path = out.with_name(out.stem + ".heldout.jsonl")
    _write(out, mixed[:train], rng, "demo")
    _write(heldout_path, mixed[train : train + heldout], rng, "heldout")
    return out, heldout_path


def _topic(record: dict[str, Any]) -> str | None:
    pattern = _TOPIC.get(record.get("lang", ""))
    if pattern is None:
        return None
    for question in record.get("questions", []):
        match = pattern.match(question.strip())
        if match:
            return match.group("t").strip()
    return None


def _write(path: Path, records: list[dict[str, Any]], rng: random.Random, prefix: str) -> None:
    lines = []
    for index, record in enumerate(records):
        lang = record.get("lang", "en")
        prompt = rng.choice(TEMPLATES[lang]).format(t=record["topic"])
        lines.append(
            json.dumps(
                {
                    "id": f"{prefix}-{index:03d}",
                    "prompt": prompt,
                    "lang": lang,
                    "reference": record["answers"],
                    "source": record["source"],
                },
                ensure_ascii=False,
            )
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
