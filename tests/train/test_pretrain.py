"""Pretraining and LoRA SFT on micro models: loss goes down, artifacts reload with the Auto classes and generate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paramstack.errors import InvalidRequest
from paramstack.train.pretrain import PretrainConfig, learning_rate

MICRO = dict(
    hidden_size=64,
    layers=2,
    heads=4,
    kv_heads=2,
    intermediate_size=172,
    context_length=64,
    batch_size=8,
    lr=3e-3,
    warmup_steps=5,
)


def test_pretrain_lowers_heldout_loss_and_saves_a_loadable_model(
    tmp_path: Path, micro_corpus_dir: Path, micro_tokenizer_dir: Path
) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from paramstack.train.pretrain import pretrain

    config = PretrainConfig(**MICRO, steps=60, eval_every=30, heldout_fraction=0.2, save_dtype="bfloat16")
    report = pretrain(micro_corpus_dir, micro_tokenizer_dir, tmp_path / "m", config, progress=False)
    assert report["steps"] == 60
    assert report["heldout_loss"] < report["heldout_loss_start"] - 0.5
    assert report["train_loss"] < report["heldout_loss_start"]
    out = tmp_path / "m"
    for name in (
        "model.safetensors",
        "config.json",
        "tokenizer.json",
        "tokenizer.model",
        "loss.png",
        "training_report.json",
        "generation_config.json",
    ):
        assert (out / name).is_file(), name
    assert json.loads((out / "training_report.json").read_text())["params"] == report["params"]
    model = AutoModelForCausalLM.from_pretrained(str(out))
    tokenizer = AutoTokenizer.from_pretrained(str(out))
    assert str(model.dtype) == "torch.float32"  # stored bf16, loaded float32
    assert tokenizer.eos_token_id in model.generation_config.eos_token_id
    inputs = tokenizer.apply_chat_template(
        [{"role": "user", "content": "paramstack nedir?"}],
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )
    output = model.generate(**inputs, max_new_tokens=8, do_sample=False)
    assert output.shape[1] > inputs["input_ids"].shape[1]


def test_micro_model_fixture_loads_and_generates(micro_model_dir: Path) -> None:
    from paramstack.train.probe import greedy_answer, load_model

    model, tokenizer = load_model(micro_model_dir)
    assert sum(p.numel() for p in model.parameters()) < 500_000
    assert isinstance(greedy_answer(model, tokenizer, "Merhaba", max_new_tokens=5), str)


def test_lora_sft_writes_a_peft_adapter_that_changes_the_output(
    tmp_path: Path, micro_model_dir: Path, micro_corpus_dir: Path
) -> None:
    import random

    import torch

    from paramstack.train.corpus import load_corpus
    from paramstack.train.probe import load_model
    from paramstack.train.sft import SftConfig, _collate, chat_examples, train_lora

    config = SftConfig(r=8, alpha=16, steps=40, lr=1e-2, warmup_steps=3, base_model_name="micro")
    report = train_lora(micro_model_dir, micro_corpus_dir, tmp_path / "a", config, progress=False)
    assert report["steps"] == 40 and report["examples"] > 100
    adapter_config = json.loads((tmp_path / "a" / "adapter_config.json").read_text())
    assert adapter_config["base_model_name_or_path"] == "micro"
    assert adapter_config["r"] == 8
    base, tokenizer = load_model(micro_model_dir)
    tuned, _ = load_model(micro_model_dir, tmp_path / "a")
    examples = chat_examples(load_corpus(micro_corpus_dir), tokenizer, 256)
    batch = _collate(random.Random(1).sample(examples, 32), tokenizer.pad_token_id)
    with torch.no_grad():  # the same answers, scored before and after: the adapter learned them
        assert float(tuned(**batch).loss) < float(base(**batch).loss)


def test_config_validation_and_schedule() -> None:
    with pytest.raises(InvalidRequest, match="heads"):
        PretrainConfig(hidden_size=100, heads=3).validate()
    with pytest.raises(InvalidRequest, match="lr"):
        PretrainConfig(lr=2).validate()
    assert learning_rate(1.0, 0, 10, 0.0) == pytest.approx(0.1)
    assert learning_rate(1.0, 50, 10, 0.0) == pytest.approx(1.0)
    assert learning_rate(1.0, 50, 10, 1.0) == pytest.approx(0.1)
