"""Detection quality of the guard on the project's own evaluation sets (``evals/guard/{train,heldout}``).

Used by ``bench/guard.py`` (which reports the held-out split, with the train split beside it) and runnable
alone: ``python bench/guard_sets.py [train|heldout] [--misses]``.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

import yaml

from paramstack.guard import Guard

EVALS = Path(__file__).resolve().parents[1] / "evals" / "guard"


def load_split(split: str) -> dict[str, dict[str, list[str]]]:
    sets: dict[str, dict[str, list[str]]] = {}
    for path in sorted((EVALS / split).glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        by_language: dict[str, list[str]] = {"en": [], "tr": []}
        for key, texts in data.items():
            by_language[key.split("_")[0]].extend(str(t) for t in texts)  # en_evasion counts as en
        sets[path.stem] = by_language
    return sets


_ASK = {"en": "Please summarise this for me:", "tr": "Bunu benim için özetler misin:"}


def _rate(hits: list[bool]) -> float:
    return round(sum(hits) / len(hits), 4) if hits else 0.0


def _split_in_two(text: str, rng: random.Random) -> list[str]:
    """Split a payload in two, between words or inside one: what a split-payload attack sends."""
    if rng.random() < 0.5 and " " in text.strip():
        words = text.split(" ")
        cut = rng.randint(1, len(words) - 1)
        return [" ".join(words[:cut]), " ".join(words[cut:])]
    cut = rng.randint(len(text) // 3, max(len(text) // 3, 2 * len(text) // 3))
    return [text[:cut], text[cut:]]


def evaluate(guards: dict[str, Guard], split: str, misses: bool = False) -> dict[str, Any]:
    """Rates per family and language. ``guards``: policy name -> guard (``default`` is required)."""
    sets = load_split(split)
    default = guards["default"]
    report: dict[str, Any] = {}
    missed: dict[str, list[str]] = {}

    def family(name: str, hit: Any, want: bool) -> None:
        rows: dict[str, Any] = {}
        everything: list[bool] = []
        for language, texts in sets.get(name, {}).items():
            results = [bool(hit(t)) for t in texts]
            everything += results
            rows[language] = {"rate": _rate(results), "n": len(results)}
            missed.update({f"{name}/{language}": [t for t, r in zip(texts, results, strict=True) if r != want]})
        rows["all"] = {"rate": _rate(everything), "n": len(everything)}
        report[name] = rows

    family("attacks", lambda t: default.validate(t, "input").blocked, True)
    family("ordinary", lambda t: default.validate(t, "input").blocked, False)
    family("hard_negatives", lambda t: default.validate(t, "input").blocked, False)
    family("indirect", lambda t: default.check_untrusted(t).action != "allow", True)
    family("untrusted_benign", lambda t: default.check_untrusted(t).action != "allow", False)
    # The same texts pasted into a user turn ("summarise this e-mail: ..."): the input check alone.
    sets["user_pastes_injection"] = {
        lang: [f"{_ASK[lang]}\n{t}" for t in texts] for lang, texts in sets.get("indirect", {}).items()
    }
    sets["user_pastes_benign"] = {
        lang: [f"{_ASK[lang]}\n{t}" for t in texts] for lang, texts in sets.get("untrusted_benign", {}).items()
    }
    family("user_pastes_injection", lambda t: default.validate(t, "input").blocked, True)
    family("user_pastes_benign", lambda t: default.validate(t, "input").blocked, False)
    for policy, guard in guards.items():
        family("outputs", lambda t, g=guard: g.validate(t, "output").blocked, False)
        report[f"outputs/{policy}"] = report.pop("outputs")
        missed[f"outputs/{policy}"] = [t for k in ("en", "tr") for t in missed.pop(f"outputs/{k}", [])]
    rng = random.Random(3)
    split_rows: dict[str, Any] = {}
    for language, texts in sets.get("attacks", {}).items():
        caught = [default.check_conversation(_split_in_two(t, rng)).blocked for t in texts]
        split_rows[language] = {"rate": _rate(caught), "n": len(caught)}
    benign = [t for lang in ("en", "tr") for t in sets.get("ordinary", {}).get(lang, [])]
    pairs = [[benign[i], benign[(i * 7 + 3) % len(benign)]] for i in range(len(benign))] if benign else []
    split_rows["benign_pairs_fpr"] = {
        "rate": _rate([default.check_conversation(p).blocked for p in pairs]),
        "n": len(pairs),
    }
    report["split_payload"] = split_rows
    if misses:
        report["misses"] = {k: v for k, v in missed.items() if v}
    return report


def main() -> int:
    split = sys.argv[1] if len(sys.argv) > 1 else "heldout"
    guards = {name: Guard.from_policy_name(name) for name in ("default", "medical", "legal")}
    report = evaluate(guards, split, misses="--misses" in sys.argv)
    for name, rows in report.items():
        if name == "misses":
            continue
        print(f"{name:28s}", "  ".join(f"{k}={v['rate']:.3f}/{v['n']}" for k, v in rows.items()))
    for name, texts in report.get("misses", {}).items():
        print(f"\n--- {name} ({len(texts)})")
        for text in texts:
            print("   ", text.replace("\n", " | ")[:220])
    return 0


if __name__ == "__main__":
    sys.exit(main())
