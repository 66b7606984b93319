"""Tiny tokenizer + model directories in seconds, for tests anywhere in paramstack (engine, DPO, gateway).

A real (briefly trained) model on a slice of the shipped corpus, not a mock: it loads with
``AutoModelForCausalLM``/``AutoTokenizer``, has the chat template and stop tokens, and generates.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

MICRO_SHAPE: dict[str, Any] = {
    "hidden_size": 64,
    "layers": 2,
    "heads": 4,
    "kv_heads": 2,
    "intermediate_size": 172,
    "context_length": 128,
    "steps": 30,
    "batch_size": 8,
    "lr": 3e-3,
    "warmup_steps": 5,
    "eval_every": 1000,
}


def build_micro_model(
    tokenizer_dir: str | Path,
    out_dir: str | Path,
    *,
    corpus_dir: str | Path | None = None,
    texts: list[str] | None = None,
    **config: Any,
) -> Path:
    """Train a micro Mistral model (MICRO_SHAPE overridden by ``config``) on texts or a corpus; save to ``out_dir``."""
    from paramstack.train.artifacts import save_model
    from paramstack.train.pretrain import PretrainConfig, train_causal_lm
    from paramstack.train.tokenizer import load_tokenizer

    settings = PretrainConfig(**{**MICRO_SHAPE, **config})
    tokenizer = load_tokenizer(tokenizer_dir)
    if texts is None:
        from paramstack.train.corpus import load_corpus
        from paramstack.train.training_text import training_texts

        texts = training_texts(load_corpus(corpus_dir or _micro_corpus(Path(out_dir).parent)))
    result = train_causal_lm(texts, [], tokenizer, settings, progress=False)
    out = Path(out_dir)
    save_model(result["model"], tokenizer, out, tokenizer_dir=Path(tokenizer_dir))
    return out


def make_micro_model(tmp_dir: str | Path, *, vocab_size: int = 1000, steps: int = 30, seed: int = 0) -> Path:
    """tmp_dir/{corpus,tokenizer,model}: returns the model directory (tokenizer included). ~2-5 s after imports."""
    from paramstack.train.tokenizer import train_tokenizer

    root = Path(tmp_dir)
    corpus = _micro_corpus(root)
    tokenizer = train_tokenizer(corpus, root / "tokenizer", vocab_size=vocab_size)
    return build_micro_model(tokenizer, root / "model", corpus_dir=corpus, steps=steps, seed=seed)


def _micro_corpus(root: Path) -> Path:
    """The Ailydian slice of the shipped corpus (Turkish + English, documents + Q&A), built once under root."""
    from paramstack.assets import corpus_dir
    from paramstack.train.corpus import CORPUS_FILE, build_corpus

    out = root / "corpus"
    if not (out / CORPUS_FILE).is_file():
        build_corpus([corpus_dir() / "base" / "ailydian"], out)
    return out
