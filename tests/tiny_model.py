"""A tiny tokenizer + Mistral model + LoRA adapters, built in seconds with paramstack's own training code."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

SAMPLE_TEXT = [
    "paramstack serves its own language models to many tenants.",
    "Ailydian AI Ecosystem, kurumların kendi yapay zekâ modellerini güvenle kullanmasını sağlar.",
    "Her kiracının kendi LoRA adaptörü, RAG koleksiyonu ve koruma politikası vardır.",
    "Medical answers always suggest consulting a doctor. Bu bilgiler tıbbi tavsiye yerine geçmez.",
    "Legal answers suggest asking a lawyer. Hukuki konularda bir avukata danışın.",
    "Rate limits, quotas and signed responses keep every tenant safe and billed exactly.",
] * 40

DEMO_ADAPTERS = ("ailydian-general", "medical-lora", "legal-lora")


def build_tiny_model(out_dir: Path, adapters: Sequence[str] = DEMO_ADAPTERS, seed: int = 0) -> tuple[Path, Path]:
    """Returns (model_dir, adapters_dir); each adapter has random LoRA B weights, so it changes outputs."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from paramstack.train.pretrain import PretrainConfig, build_model
    from paramstack.train.tokenizer import load_tokenizer, train_tokenizer

    model_dir, adapters_dir = out_dir / "model", out_dir / "adapters"
    train_tokenizer(SAMPLE_TEXT, model_dir, vocab_size=400)
    tokenizer = load_tokenizer(model_dir)
    torch.manual_seed(seed)
    config = PretrainConfig(
        hidden_size=64, layers=2, heads=2, kv_heads=2, intermediate_size=128, context_length=2048, bf16=False
    )
    model = build_model(config, tokenizer)
    model.save_pretrained(model_dir)
    for index, name in enumerate(adapters):
        torch.manual_seed(seed + 100 + index)
        lora = LoraConfig(
            r=8, lora_alpha=16, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"], init_lora_weights=False
        )
        peft_model = get_peft_model(AutoModelForCausalLM.from_pretrained(model_dir), lora)
        peft_model.save_pretrained(adapters_dir / name)
    return model_dir, adapters_dir
