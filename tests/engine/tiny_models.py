"""Tiny artifacts for engine tests, built in a second on CPU: a SentencePiece BPE tokenizer with our chat
format, a random-init Mistral-architecture model, and LoRA adapters with random B (so each changes outputs).
"""

from __future__ import annotations

import random
from pathlib import Path

import sentencepiece as spm
import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, LlamaTokenizer, MistralConfig, MistralForCausalLM

from paramstack import chat_format

# "ğ" never appears in the training text, so it reaches the model only as byte-fallback tokens.
WORDS = [
    "merhaba",
    "dünya",
    "güzel",
    "çiçek",
    "ışık",
    "çocuk",
    "ödev",
    "üzüm",
    "kitap",
    "okul",
    "the",
    "model",
    "serves",
    "many",
    "tenants",
    "with",
    "adapters",
    "and",
    "tokens",
    "hello",
    "world",
    "stop",
    "here",
    "end",
    "of",
    "text",
]
MAX_POSITIONS = 256
LORA_TARGETS = ["q_proj", "v_proj", "o_proj", "gate_proj"]


def build_tokenizer(directory: Path) -> LlamaTokenizer:
    rng = random.Random(0)
    lines = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12))) for _ in range(2000)]
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_prefix=str(directory / "tokenizer"),
        vocab_size=400,
        model_type="bpe",
        byte_fallback=True,
        character_coverage=1.0,
        bos_id=1,
        eos_id=2,
        unk_id=0,
        pad_id=-1,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    # transformers 5: LlamaTokenizer(vocab_file=...) builds an empty tokenizer; from_pretrained(DIR) works.
    tokenizer = LlamaTokenizer.from_pretrained(directory)
    tokenizer.add_special_tokens({"additional_special_tokens": list(chat_format.SPECIAL_TOKENS)})
    tokenizer.chat_template = chat_format.CHAT_TEMPLATE
    return tokenizer


def build_model(directory: Path, *, hidden: int = 64, seed: int = 0, max_positions: int = MAX_POSITIONS) -> Path:
    """A tokenizer and a random Mistral model saved together in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer(directory)
    torch.manual_seed(seed)
    config = MistralConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        intermediate_size=2 * hidden,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=max_positions,
        sliding_window=None,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=True,
        initializer_range=0.1,  # peakier logits than the default: fewer near-ties between greedy candidates
    )
    model = MistralForCausalLM(config)
    _discourage_byte_tokens(model, tokenizer)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def build_adapter(model_dir: Path, directory: Path, *, seed: int, targets: list[str] | None = None) -> Path:
    base = AutoModelForCausalLM.from_pretrained(model_dir)
    torch.manual_seed(seed)
    config = LoraConfig(r=4, lora_alpha=8, target_modules=targets or LORA_TARGETS, init_lora_weights=False)
    get_peft_model(base, config).save_pretrained(directory)
    return directory


def _discourage_byte_tokens(model: MistralForCausalLM, tokenizer: LlamaTokenizer) -> None:
    """Shrink the (tied) embeddings of byte-fallback tokens so the random model rarely emits them.

    Random bytes make invalid UTF-8, and transformers' own decode turns a whole run of byte tokens into
    U+FFFD when one is invalid, which no incremental decoder (ours, vLLM's, TGI's) can reproduce. Text
    comparisons with ``generate`` then fail for reasons unrelated to batching. Byte-fallback decoding of
    real text is tested on its own (test_text_streaming.py).
    """
    byte_ids = [i for token, i in tokenizer.get_vocab().items() if token.startswith("<0x") and token.endswith(">")]
    with torch.no_grad():
        weight = model.get_input_embeddings().weight
        weight.mul_(3.0)
        weight[byte_ids] *= 0.01
