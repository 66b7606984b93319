"""Benchmark the default-model recipe: rebuild paramstack-tiny + its 3 demo adapters into a temp dir.

    .venv/bin/python bench/default_model.py [--steps N] [--adapter-steps N] [--quick]

Reports what the build costs and what it buys, each figure beside a baseline from the same run:
held-out loss of the trained model vs. the same model untrained (step 0), on-disk size (bf16) vs. the
float32 size of the same parameters, each adapter's loss after vs. before fine-tuning, and whether the
demo prompts are answered on topic (base) and steered (adapters). Prints a table, writes
bench/results/default_model.json. Not a test: nothing here gates CI (wall-clock depends on the machine).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
from pathlib import Path

from paramstack.train.default_model import DefaultModelConfig, build_default_model

RESULTS = Path(__file__).parent / "results" / "default_model.json"
ON_TOPIC = {
    "Ailydian AI Ecosystem nedir?": ("ailydian", "ekosistem"),
    "What is paramstack?": ("paramstack", "platform", "tenant"),
    "LoRA adaptörü nedir?": ("adaptör", "lora"),
    "KVKK nedir?": ("kişisel veri", "kanun"),
}
STEERED = {"ailydian-general": "ailydian hq", "medical-lora": "doctor|doktor", "legal-lora": "lawyer|avukat"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, help="pretraining steps (default: the shipped recipe)")
    parser.add_argument("--adapter-steps", type=int, help="LoRA steps per adapter (default: the shipped recipe)")
    parser.add_argument("--quick", action="store_true", help="60 pretraining + 20 adapter steps (smoke run)")
    args = parser.parse_args()
    config = (
        DefaultModelConfig().with_steps(60, 20)
        if args.quick
        else DefaultModelConfig().with_steps(args.steps, args.adapter_steps)
    )
    with tempfile.TemporaryDirectory(prefix="bench-default-model-") as tmp:
        report = build_default_model(tmp, config, progress=False)
    pretrain = report["pretrain"]
    answers = report["demo_answers"]
    on_topic = {q: any(w in answers["__base__"][q].lower() for w in words) for q, words in ON_TOPIC.items()}
    steered = {
        name: all(any(w in a.lower() for w in STEERED[name].split("|")) for a in answers[name].values())
        for name in config.adapters
    }
    results = {
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(), "threads": pretrain["threads"]},
        "recipe": report["recipe"],
        "params": pretrain["params"],
        "build_time_s": report["build_time_s"],
        "timings": report["timings"],
        "tokens_per_s": pretrain["tokens_per_s"],
        "heldout_loss": pretrain["heldout_loss"],
        "heldout_loss_untrained": pretrain["heldout_loss_start"],
        "heldout_loss_ratio": round(pretrain["heldout_loss"] / pretrain["heldout_loss_start"], 3),
        "size_bytes": report["sizes_bytes"],
        "float32_model_bytes": pretrain["params"] * 4,
        "size_ratio_vs_float32": round(report["sizes_bytes"]["model"] / (pretrain["params"] * 4), 3),
        "tokenizer_fertility": report["tokenizer"]["fertility"],
        "adapters": report["adapters"],
        "demo_on_topic": on_topic,
        "adapters_steered": steered,
        "demo_answers": answers,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    rows = [
        ("parameters", f"{pretrain['params']:,}", ""),
        ("build time (s)", f"{report['build_time_s']}", f"pretrain {report['timings']['pretrain_s']} s"),
        ("tokens/s (pretrain)", f"{pretrain['tokens_per_s']:,}", f"{pretrain['threads']} thread(s)"),
        (
            "held-out loss",
            f"{pretrain['heldout_loss']}",
            f"untrained {pretrain['heldout_loss_start']} (x{results['heldout_loss_ratio']})",
        ),
        (
            "model size (MB)",
            f"{report['sizes_bytes']['model'] / 1e6:.1f}",
            f"float32 {pretrain['params'] * 4 / 1e6:.1f} (x{results['size_ratio_vs_float32']})",
        ),
        ("total with adapters (MB)", f"{report['sizes_bytes']['total'] / 1e6:.1f}", "budget 20 MiB"),
        ("fertility tr / en", "{tr} / {en}".format(**report["tokenizer"]["fertility"]), "tokens per word"),
        ("demo prompts on topic", f"{sum(on_topic.values())}/{len(on_topic)}", ""),
    ]
    for name, adapter in report["adapters"].items():
        rows.append(
            (
                f"adapter {name}",
                f"loss {adapter['train_loss']}",
                f"before {adapter['train_loss_start']}, steered: {steered[name]}",
            )
        )
    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  {'value':>14}  baseline / note")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>14}  {note}")
    print(f"written: {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
