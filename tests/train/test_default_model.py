"""The embedded default model shipped in the package: loads offline, answers the demo prompts on topic,
and each demo adapter steers it towards its tenant's domain."""

from __future__ import annotations

import json
from typing import Any

import pytest

from paramstack.assets import DEMO_ADAPTERS, adapters_dir, default_model_dir

pytestmark = pytest.mark.skipif(
    not (default_model_dir() / "model.safetensors").is_file(),
    reason="default model not built (python -m paramstack.train.default_model)",
)


@pytest.fixture(scope="module")
def base() -> tuple[Any, Any]:
    from paramstack.train.probe import load_model

    return load_model(default_model_dir())


def _answer(model: Any, tokenizer: Any, question: str) -> str:
    from paramstack.train.probe import greedy_answer

    return greedy_answer(model, tokenizer, question, max_new_tokens=48)


def test_shipped_artifacts_fit_the_size_budget_and_record_their_build() -> None:
    total = sum(p.stat().st_size for p in default_model_dir().rglob("*") if p.is_file())
    total += sum(p.stat().st_size for p in adapters_dir().rglob("*") if p.is_file())
    assert total <= 20 * 1024 * 1024
    report = json.loads((default_model_dir() / "training_report.json").read_text())
    assert 3_000_000 < report["pretrain"]["params"] < 8_000_000
    assert report["pretrain"]["heldout_loss"] < report["pretrain"]["heldout_loss_start"]
    assert report["build_time_s"] > 0 and set(report["adapters"]) == set(DEMO_ADAPTERS)


def test_loads_with_plain_auto_classes() -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(str(default_model_dir()))
    tokenizer = AutoTokenizer.from_pretrained(str(default_model_dir()))
    assert str(model.dtype) == "torch.float32"
    assert model.config.vocab_size == len(tokenizer)
    assert tokenizer.eos_token == "<|end|>" and tokenizer.chat_template


@pytest.mark.parametrize(
    ("question", "subject", "expected"),
    [
        ("Ailydian AI Ecosystem nedir?", "ailydian", ("ekosistem",)),
        ("What is paramstack?", "paramstack", ("platform", "tenant", "parameter")),
        ("LoRA adaptörü nedir?", "lora", ("adaptör", "temel model", "parametre")),
        ("KVKK nedir?", "kvkk", ("kişisel veri", "kanun")),
    ],
)
def test_answers_demo_prompts_on_topic(
    base: tuple[Any, Any], question: str, subject: str, expected: tuple[str, ...]
) -> None:
    answer = _answer(*base, question).lower()
    assert answer.startswith(subject), answer  # about what was asked, not a neighbouring fact
    assert any(word in answer for word in expected), answer


@pytest.mark.parametrize(
    ("adapter", "question", "expected"),
    [
        ("ailydian-general", "Ailydian AI Ecosystem nedir?", "ailydian hq"),
        ("medical-lora", "Grip nedir?", "doktor"),
        ("legal-lora", "Sözleşme nedir?", "avukat"),
    ],
)
def test_each_adapter_steers_answers_to_its_domain(
    base: tuple[Any, Any], adapter: str, question: str, expected: str
) -> None:
    from paramstack.train.probe import load_model

    adapter_config = json.loads((adapters_dir() / adapter / "adapter_config.json").read_text())
    assert adapter_config["base_model_name_or_path"] == "paramstack-tiny"
    tuned, tokenizer = load_model(default_model_dir(), adapters_dir() / adapter)
    steered = _answer(tuned, tokenizer, question)
    assert steered != _answer(*base, question)
    assert expected in steered.lower(), steered
