"""Build the embedded default model, reproducibly, from the corpus shipped in the package.

    python -m paramstack.train.default_model -o src/paramstack/assets     (or: paramstack build-default-model)

shipped corpus (base/) -> corpus -> SentencePiece BPE 8K -> paramstack-tiny (Mistral, ~5M params, bf16 on disk)
                        tenants/<name>/ -> corpus -> LoRA SFT on paramstack-tiny -> adapters/<name>
The step budget is fixed, so on an idle 2-core machine a rerun with the same seed trains the same steps;
``minutes`` caps the time on slow or busy machines (fewer steps, same schedule shape). All of it is in
``paramstack-tiny/training_report.json`` (sizes, times, losses and the demo answers).
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from paramstack.settings import DEFAULT_MODEL_NAME
from paramstack.train.pretrain import PretrainConfig
from paramstack.train.sft import SftConfig

DEMO_QUESTIONS: dict[str, list[str]] = {
    "__base__": ["Ailydian AI Ecosystem nedir?", "What is paramstack?", "LoRA adaptörü nedir?", "KVKK nedir?"],
    "ailydian-general": ["Ailydian AI Ecosystem nedir?", "Who are you?"],
    "medical-lora": ["Grip nedir?", "I have a fever, what should I do?"],
    "legal-lora": ["Sözleşme nedir?", "What is a contract?"],
}


@dataclass
class DefaultModelConfig:
    """The recipe of paramstack-tiny: its tokenizer, its base model and its adapters. The defaults are what
    ships; the build sets the base's ``eval_every`` from its step budget (eight evaluations per run)."""

    vocab_size: int = 8000
    base: PretrainConfig = field(
        default_factory=lambda: PretrainConfig(steps=500, minutes=15.0, save_dtype="bfloat16")
    )  # minutes: a cap for slow or busy machines
    adapter: SftConfig = field(
        default_factory=lambda: SftConfig(r=16, alpha=32, lr=2e-3, steps=120, base_model_name=DEFAULT_MODEL_NAME)
    )
    adapters: tuple[str, ...] = ("ailydian-general", "medical-lora", "legal-lora")

    def with_steps(self, steps: int | None = None, adapter_steps: int | None = None) -> DefaultModelConfig:
        """This recipe with other step budgets (None keeps the recipe's)."""
        return replace(
            self,
            base=replace(self.base, steps=self.base.steps if steps is None else steps),
            adapter=replace(self.adapter, steps=self.adapter.steps if adapter_steps is None else adapter_steps),
        )


def build_default_model(
    out_root: str | Path,
    config: DefaultModelConfig | None = None,
    *,
    corpus_root: str | Path | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Write ``out_root/paramstack-tiny`` and ``out_root/adapters/<name>``; return the build report."""
    from paramstack.assets import corpus_dir
    from paramstack.train.artifacts import directory_size, write_json
    from paramstack.train.corpus import build_corpus
    from paramstack.train.pretrain import pretrain
    from paramstack.train.sft import train_lora
    from paramstack.train.tokenizer import tokenizer_report, train_tokenizer

    config = config or DefaultModelConfig()
    config = replace(config, base=replace(config.base, eval_every=max(1, config.base.steps // 8)))
    source = Path(corpus_root) if corpus_root else corpus_dir()
    out = Path(out_root)
    model_dir = out / DEFAULT_MODEL_NAME
    started = time.perf_counter()
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="paramstack-build-") as tmp:
        work = Path(tmp)
        base_stats = build_corpus([source / "base"], work / "corpus-base")
        train_tokenizer(work / "corpus-base", work / "tokenizer", config.vocab_size, "bpe")
        tok_report = tokenizer_report(work / "tokenizer", work / "corpus-base")
        timings["corpus_and_tokenizer_s"] = round(time.perf_counter() - started, 1)
        if model_dir.exists():
            shutil.rmtree(model_dir)
        mark = time.perf_counter()
        base_report = pretrain(work / "corpus-base", work / "tokenizer", model_dir, config.base, progress=progress)
        timings["pretrain_s"] = round(time.perf_counter() - mark, 1)
        adapters: dict[str, Any] = {}
        for name in config.adapters:
            mark = time.perf_counter()
            stats = build_corpus([source / "tenants" / name], work / f"corpus-{name}")
            adapter_dir = out / "adapters" / name
            if adapter_dir.exists():
                shutil.rmtree(adapter_dir)
            report = train_lora(model_dir, work / f"corpus-{name}", adapter_dir, config.adapter, progress=progress)
            (adapter_dir / "README.md").unlink(missing_ok=True)  # PEFT's model-card stub names a temp path
            report.update(base=DEFAULT_MODEL_NAME, corpus=f"assets/corpus/tenants/{name}", corpus_docs=stats.docs)
            write_json(adapter_dir / "training_report.json", report)
            adapters[name] = {
                k: report[k]
                for k in (
                    "examples",
                    "trainable_params",
                    "steps",
                    "wall_time_s",
                    "train_loss_start",
                    "train_loss",
                    "adapter_bytes",
                )
            }
            timings[f"adapter_{name}_s"] = round(time.perf_counter() - mark, 1)
    base_report["inputs"] = {
        "corpus": "assets/corpus/base",
        "corpus_sha256": base_stats.sha256,
        "tokenizer": f"SentencePiece BPE {config.vocab_size}, trained on the corpus",
    }
    report = {
        "model": DEFAULT_MODEL_NAME,
        "build_time_s": round(time.perf_counter() - started, 1),
        "timings": timings,
        "recipe": asdict(config),
        "corpus": asdict(base_stats) | {"sources": ["assets/corpus/base"]},
        "tokenizer": {k: v for k, v in tok_report.items() if k != "tokenizer_dir"},
        "pretrain": base_report,
        "adapters": adapters,
        "demo_answers": demo_answers(model_dir, out / "adapters", config.adapters),
    }
    report["sizes_bytes"] = {
        "model": directory_size(model_dir),
        **{n: directory_size(out / "adapters" / n) for n in config.adapters},
    }
    report["sizes_bytes"]["total"] = sum(report["sizes_bytes"].values())
    write_json(model_dir / "training_report.json", report)
    return report


def demo_answers(model_dir: Path, adapters_root: Path, names: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """Greedy answers of the base and of each adapter to its demo questions: the report shows the steering."""
    from paramstack.train.probe import greedy_answer, load_model

    answers: dict[str, dict[str, str]] = {}
    model, tokenizer = load_model(model_dir)
    answers["__base__"] = {q: greedy_answer(model, tokenizer, q) for q in DEMO_QUESTIONS["__base__"]}
    for name in names:
        questions = DEMO_QUESTIONS.get(name, DEMO_QUESTIONS["__base__"])
        answers[f"{name} (base)"] = {
            q: greedy_answer(model, tokenizer, q) for q in questions if q not in answers["__base__"]
        }
        tuned, _ = load_model(model_dir, adapters_root / name)
        answers[name] = {q: greedy_answer(tuned, tokenizer, q) for q in questions}
    return answers


def main(argv: list[str] | None = None) -> None:
    from paramstack.assets import ASSETS_DIR

    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument(
        "-o",
        "--out",
        "--output-dir",
        dest="out",
        type=Path,
        default=ASSETS_DIR,
        help="output root (default: package assets)",
    )
    parser.add_argument("--steps", type=int, help="pretraining steps (default: the shipped recipe)")
    parser.add_argument("--adapter-steps", type=int, help="LoRA steps per adapter (default: the shipped recipe)")
    args = parser.parse_args(argv)
    report = build_default_model(args.out, DefaultModelConfig().with_steps(args.steps, args.adapter_steps))
    pretrain = report["pretrain"]
    summary = {
        "build_time_s": report["build_time_s"],
        "params": pretrain["params"],
        "steps": pretrain["steps"],
        "heldout_loss": pretrain["heldout_loss"],
        "heldout_loss_start": pretrain["heldout_loss_start"],
        "fertility": report["tokenizer"]["fertility"],
        "sizes_bytes": report["sizes_bytes"],
        "adapters": report["adapters"],
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
