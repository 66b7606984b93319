"""DPO LoRA training: TRL's DPOTrainer with a PEFT LoRA config, on a preference dataset.

With ``peft_config`` TRL needs no separate reference model: the base with the adapter switched off is
the reference, which halves memory. A held-out split (by prompt, so one prompt's pairs never straddle
it) measures reward accuracy and margins on pairs the adapter never saw. The adapter is saved in PEFT
format (``adapter_config.json`` + safetensors: the local engine and vLLM load it unchanged), next to a
loss/margin plot, a report, and a signed manifest whose parents are the base model and the dataset.

CPU settings that matter (shared/notes/cpu-ml-stack.md): ``use_cpu``/no bf16 (DPOConfig's defaults raise
on CPU), no activation (gradient) checkpointing, a LoRA-sized learning rate (TRL's 1e-6 default is for full fine-tunes).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from paramstack.errors import InvalidRequest
from paramstack.train.artifacts import directory_size, file_digest, write_json
from paramstack.train.dpo_report import metric_series, save_dpo_plot
from paramstack.train.preference_data import DatasetPaths, PreferencePair, read_pairs
from paramstack.train.signing import Signer

REPORT_FILE = "training_report.json"
PLOT_FILE = "loss.png"
HELDOUT_METRICS = ("loss", "rewards/accuracies", "rewards/margins", "rewards/chosen", "rewards/rejected")


@dataclass
class DpoConfig:
    """One DPO run; every field is a ``paramstack dpo`` flag."""

    base_model: Path
    dataset: Path
    output_dir: Path
    epochs: float = 3.0
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.0
    beta: float = 0.1
    rpo_alpha: float = 0.0  # > 0 adds rpo_alpha x NLL of the chosen answer (RPO): the policy learns to SAY it
    lr: float = 5e-4  # measured on the default model (bench/loop.py): 5e-4..1e-3 help, 3e-3 breaks it
    batch_size: int = 4
    max_length: int = 256
    heldout_fraction: float = 0.1
    min_pairs: int = 8
    max_steps: int = -1  # > 0 caps the optimizer steps (quick runs); -1 = epochs decide
    qlora: bool = False
    seed: int = 0
    base_model_name: str | None = None  # recorded as base_model_name_or_path; default: the base directory
    # Iterative (on-policy) DPO: continue training this adapter of the same base; the reference is then the
    # adapter as it was (TRL keeps a frozen copy), so a round moves the policy from where the last one left it.
    # Its rank and targets are kept (the lora_* fields apply to a fresh adapter only).
    init_adapter: Path | None = None
    sign: bool = True

    def validate(self) -> None:
        for name in ("lora_r", "lora_alpha", "batch_size", "max_length", "min_pairs"):
            if getattr(self, name) < 1:
                raise InvalidRequest(f"--{name.replace('_', '-')} must be at least 1", param=name)
        if self.epochs <= 0 or self.beta <= 0 or not 0 < self.lr < 1:
            raise InvalidRequest("--epochs and --beta must be positive and --lr in (0, 1)")
        if self.rpo_alpha < 0:
            raise InvalidRequest("--rpo-alpha cannot be negative (0 turns the NLL term off)", param="rpo_alpha")
        if not 0 <= self.heldout_fraction < 0.5:
            raise InvalidRequest("--heldout-fraction must be in [0, 0.5)", param="heldout_fraction")
        out = Path(self.output_dir)
        if out.is_dir() and any(out.iterdir()) and not (out / "adapter_config.json").is_file():
            # The adapter's manifest signs every file in the directory: never mix in someone else's files.
            raise InvalidRequest(
                f"--output-dir {out} is not empty and holds no adapter: give a new directory", param="output_dir"
            )
        if self.init_adapter is not None and not (Path(self.init_adapter) / "adapter_config.json").is_file():
            raise InvalidRequest(
                f"--init-adapter {self.init_adapter} is not an adapter directory (no adapter_config.json)",
                param="init_adapter",
            )
        if not (Path(self.base_model) / "config.json").is_file():
            raise InvalidRequest(
                f"--base-model {self.base_model} is not a model directory (no config.json)", param="base_model"
            )


def split_pairs(pairs: list[PreferencePair], fraction: float) -> tuple[list[PreferencePair], list[PreferencePair]]:
    """Deterministic split by prompt id: the same prompt always lands on the same side."""
    if fraction <= 0 or len(pairs) < 10:
        return pairs, []

    def bucket(pair: PreferencePair) -> float:
        return int(hashlib.sha256(pair.prompt_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF

    train = [p for p in pairs if bucket(p) >= fraction]
    heldout = [p for p in pairs if bucket(p) < fraction]
    return (train, heldout) if train and heldout else (pairs, [])


def train_dpo(
    config: DpoConfig, *, progress: bool = True, signer: Signer | None = None, settings: Any = None
) -> dict[str, Any]:
    """Train a DPO LoRA adapter into ``config.output_dir``; returns the report also written there."""
    config.validate()
    pairs = read_pairs(config.dataset)
    if len(pairs) < config.min_pairs:
        raise InvalidRequest(
            f"{config.dataset} has {len(pairs)} preference pairs; DPO needs at least {config.min_pairs} "
            "(generate more with `paramstack rlaif`, lower --margin, or set --min-pairs)",
            param="dataset",
        )
    dataset_paths = DatasetPaths.existing(config.dataset)
    device = _device(config.qlora)
    signer = signer or (Signer.from_settings(settings) if config.sign else Signer.disabled())
    parents = signer.signed_parents(
        [Path(config.base_model), dataset_paths.directory, config.init_adapter]
    )  # fail fast
    train_pairs, heldout_pairs = split_pairs(pairs, config.heldout_fraction)
    started = time.perf_counter()
    trainer = _trainer(config, train_pairs, heldout_pairs, device, progress)
    trainer.train()
    final_eval = trainer.evaluate() if heldout_pairs else {}
    out = Path(config.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    trainer.model.save_pretrained(str(out), selected_adapters=["default"])  # not TRL's frozen "ref" copy
    _record_base(out, config.base_model_name or str(config.base_model))
    history = trainer.state.log_history
    save_dpo_plot(out / PLOT_FILE, history)
    report = _report(
        config,
        pairs,
        train_pairs,
        heldout_pairs,
        history,
        final_eval,
        trainer,
        dataset_paths,
        time.perf_counter() - started,
        device,
    )
    report["adapter_bytes"] = directory_size(out)
    write_json(out / REPORT_FILE, report)
    report["manifest"] = signer.sign(
        out,
        "adapter",
        parents=parents,
        config={
            "workflow": "dpo",
            **{k: v for k, v in report["config"].items() if k not in ("output_dir",)},
            "dataset_sha256": report["dataset_sha256"],
        },
    )
    return report


def _trainer(
    config: DpoConfig,
    train_pairs: list[PreferencePair],
    heldout_pairs: list[PreferencePair],
    device: str,
    progress: bool,
) -> Any:
    import tempfile

    import torch
    from datasets import Dataset
    from peft import LoraConfig, PeftModel
    from transformers.trainer_callback import PrinterCallback
    from trl import DPOConfig, DPOTrainer

    from paramstack.train.sft import load_base

    torch.manual_seed(config.seed)
    model, tokenizer = _load_policy(config, load_base, device)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    scratch = tempfile.mkdtemp(prefix="paramstack-dpo-")  # the trainer wants a dir; nothing is saved there
    evaluating = bool(heldout_pairs)
    args = DPOConfig(
        output_dir=scratch,
        use_cpu=device == "cpu",
        bf16=False,
        fp16=False,
        activation_checkpointing=False,
        learning_rate=config.lr,
        num_train_epochs=config.epochs,
        max_steps=config.max_steps,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.batch_size,
        max_length=config.max_length,
        beta=config.beta,
        **_loss_terms(config.rpo_alpha),
        save_strategy="no",
        report_to="none",
        logging_steps=1,
        eval_strategy="epoch" if evaluating else "no",
        seed=config.seed,
        disable_tqdm=not progress,
        warmup_steps=2,
        lr_scheduler_type="cosine",
        dataloader_num_workers=0,
    )
    lora = None
    if config.init_adapter is not None:
        model = PeftModel.from_pretrained(model, str(config.init_adapter), is_trainable=True)
    else:
        lora = LoraConfig(
            r=config.lora_r,
            lora_alpha=config.lora_alpha,
            lora_dropout=config.lora_dropout,
            target_modules="all-linear",
            task_type="CAUSAL_LM",
        )
    if not progress:
        import datasets

        datasets.disable_progress_bars()
    trainer = DPOTrainer(
        model=model,
        args=args,
        train_dataset=Dataset.from_list(_rows(train_pairs)),
        eval_dataset=Dataset.from_list(_rows(heldout_pairs)) if evaluating else None,
        processing_class=tokenizer,
        peft_config=lora,
    )
    # The Trainer prints every log dict to stdout when its progress bar is off; `--json` owns stdout.
    trainer.remove_callback(PrinterCallback)
    return trainer


def _loss_terms(rpo_alpha: float) -> dict[str, Any]:
    """DPO's sigmoid loss, plus RPO's NLL on the chosen answer when asked (TRL 1.16 has no ``rpo_alpha`` field:
    the same loss is the weighted sum of its ``sigmoid`` and ``sft`` loss types)."""
    if rpo_alpha == 0:
        return {"loss_type": ["sigmoid"]}
    return {"loss_type": ["sigmoid", "sft"], "loss_weights": [1.0, rpo_alpha]}


def _load_policy(config: DpoConfig, load_base: Any, device: str) -> tuple[Any, Any]:
    if not config.qlora:
        model, tokenizer = load_base(config.base_model)
        return model.to(device), tokenizer
    import torch
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    from paramstack.train.tokenizer import load_tokenizer

    quantization = BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_compute_dtype=torch.bfloat16,
        bnb_4bit_use_double_quant=True,
    )
    model = AutoModelForCausalLM.from_pretrained(
        str(config.base_model), quantization_config=quantization, device_map={"": 0}
    )
    return model, load_tokenizer(config.base_model)


def _rows(pairs: list[PreferencePair]) -> list[dict[str, Any]]:
    """Conversational rows: TRL renders them with the model's own chat template, as serving does."""
    rows = []
    for pair in pairs:
        system = pair.metadata.get("system")
        prompt = ([{"role": "system", "content": system}] if system else []) + [
            {"role": "user", "content": pair.prompt}
        ]
        rows.append(
            {
                "prompt": prompt,
                "chosen": [{"role": "assistant", "content": pair.chosen}],
                "rejected": [{"role": "assistant", "content": pair.rejected}],
            }
        )
    return rows


def _device(qlora: bool) -> str:
    import torch

    if not qlora:
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        import bitsandbytes  # noqa: F401
    except ImportError:
        bitsandbytes_ok = False
    else:
        bitsandbytes_ok = True
    if not torch.cuda.is_available() or not bitsandbytes_ok:
        missing = [
            what
            for what, ok in (("a CUDA GPU", torch.cuda.is_available()), ("the bitsandbytes package", bitsandbytes_ok))
            if not ok
        ]
        raise InvalidRequest(
            f"--qlora (4-bit base) needs {' and '.join(missing)}, which this machine lacks; "
            "drop --qlora to train a plain LoRA adapter",
            param="qlora",
        )
    return "cuda"


def _record_base(adapter_dir: Path, base_name: str) -> None:
    """vLLM and PEFT read ``base_model_name_or_path``: name the base this adapter belongs to."""
    path = adapter_dir / "adapter_config.json"
    data = json.loads(path.read_text())
    data["base_model_name_or_path"] = base_name
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def _report(
    config: DpoConfig,
    pairs: list[PreferencePair],
    train_pairs: list[PreferencePair],
    heldout_pairs: list[PreferencePair],
    history: list[dict[str, Any]],
    final_eval: dict[str, Any],
    trainer: Any,
    dataset_paths: DatasetPaths,
    wall_s: float,
    device: str,
) -> dict[str, Any]:
    train_loss = metric_series(history, "loss")
    accuracies = metric_series(history, "rewards/accuracies")
    margins = metric_series(history, "rewards/margins")
    sources = {str(p.metadata["model"]) for p in pairs if p.metadata.get("model")}
    trainable = sum(p.numel() for p in trainer.model.parameters() if p.requires_grad)
    config_dict = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(config).items()}
    warnings = []
    if sources and not any(
        str(config.base_model) in str(s) or Path(str(s)).name == Path(config.base_model).name for s in sources
    ):
        warnings.append(
            f"the pairs were sampled from {sorted(sources)}, not from {config.base_model}: "
            "off-policy preference data (DPO still works, usually less well)"
        )
    return {
        "base": str(config.base_model),
        "dataset": str(config.dataset),
        "dataset_sha256": file_digest(dataset_paths.data),
        "pairs": len(pairs),
        "train_pairs": len(train_pairs),
        "heldout_pairs": len(heldout_pairs),
        "steps": trainer.state.global_step,
        "device": device,
        "trainable_params": trainable,
        "wall_time_s": round(wall_s, 1),
        "train_loss_start": round(train_loss[0][1], 4) if train_loss else None,
        "train_loss_end": round(train_loss[-1][1], 4) if train_loss else None,
        "train_reward_accuracy_end": round(accuracies[-1][1], 4) if accuracies else None,
        "train_reward_margin_end": round(margins[-1][1], 4) if margins else None,
        "heldout": {
            key: round(float(final_eval[f"eval_{key}"]), 4) for key in HELDOUT_METRICS if f"eval_{key}" in final_eval
        },
        "warnings": warnings,
        "config": config_dict,
    }
