"""Train paramstack's own SentencePiece tokenizer and export it as a Hugging Face tokenizer directory.

Choices, and why:
- byte fallback: no ``<unk>`` ever, any Unicode text round-trips (newlines become ``<0x0A>``);
- identity normalisation, extra whitespace kept: the corpus is already NFC, and code/markdown keep spaces;
- the chat tags of ``chat_format.SPECIAL_TOKENS`` are user-defined symbols: each is ONE id, never split;
- ``eos_token`` is ``<|end|>``, the end of a chat turn: engines (transformers, vLLM) stop on the tokenizer's
  eos id, so generation ends exactly where an assistant turn ends. ``</s>`` still closes plain documents
  in pretraining, and the model's ``generation_config`` lists both ids as stop tokens;
- pad is ``<unk>`` (id 0), which byte fallback makes unused;
- BPE by default: in transformers 5 a unigram model must be wrapped in ``TokenizersBackend`` (a
  ``LlamaTokenizer`` tokenizes it wrongly without warning), and even then ties between equal-score pieces
  may break differently from raw SentencePiece on rare strings; BPE ids match raw SentencePiece exactly,
  except for text that *starts* with a space (raw SentencePiece adds one more word-boundary piece there;
  corpus text is stripped and prompts start with a chat tag, so training and serving never see it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from paramstack.chat_format import CHAT_TEMPLATE, END_TAG, SPECIAL_TOKENS
from paramstack.errors import ArtifactError, InvalidRequest

ModelType = Literal["bpe", "unigram"]
SPM_FILE = "tokenizer.model"
REPORT_FILE = "tokenizer_report.json"
UNK, BOS, EOS = "<unk>", "<s>", "</s>"


def train_tokenizer(
    texts_or_corpus_dir: Iterable[str] | str | Path,
    out_dir: str | Path,
    vocab_size: int = 8000,
    model_type: ModelType = "bpe",
    *,
    seed_sentences: int = 2_000_000,
) -> Path:
    """Train SentencePiece on texts (or on a corpus directory's training split) and export ``out_dir``.

    Returns ``out_dir``; ``AutoTokenizer.from_pretrained(out_dir)`` then loads it, chat template included.
    """
    import sentencepiece as spm

    if model_type not in ("bpe", "unigram"):
        raise InvalidRequest(f"model type must be 'bpe' or 'unigram', not {model_type!r}")
    if vocab_size < 300:
        raise InvalidRequest("vocab size must be at least 300 (256 byte pieces + specials + some merges)")
    texts = _training_lines(texts_or_corpus_dir)
    if not texts:
        raise InvalidRequest("no text to train a tokenizer on")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", REPORT_FILE):
        (out / stale).unlink(missing_ok=True)  # else from_pretrained would load an older export
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(texts),
        model_prefix=str(out / "tokenizer"),
        vocab_size=vocab_size,
        model_type=model_type,
        byte_fallback=True,
        user_defined_symbols=list(SPECIAL_TOKENS),
        normalization_rule_name="identity",
        remove_extra_whitespaces=False,
        allow_whitespace_only_pieces=True,
        split_digits=True,
        character_coverage=0.9995,
        hard_vocab_limit=False,  # a small corpus may support fewer pieces than asked: take what it has
        input_sentence_size=seed_sentences,
        shuffle_input_sentence=True,
        max_sentence_length=1 << 16,
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        unk_piece=UNK,
        bos_piece=BOS,
        eos_piece=EOS,
        num_threads=2,
        minloglevel=2,
    )
    (out / "tokenizer.vocab").unlink(missing_ok=True)
    _export_hf(out, model_type)
    return out


def _training_lines(source: Iterable[str] | str | Path) -> list[str]:
    """SentencePiece learns from lines: split texts on newlines (chat rendering included, tags as symbols)."""
    if isinstance(source, str | Path):
        from paramstack.train.corpus import load_corpus, split_heldout
        from paramstack.train.training_text import training_texts

        train, _ = split_heldout(load_corpus(source))
        source = training_texts(train)
    return [line for text in source for line in text.split("\n") if line.strip()]


def _export_hf(out: Path, model_type: ModelType) -> None:
    from transformers import LlamaTokenizer
    from transformers.tokenization_utils_tokenizers import TokenizersBackend

    # transformers 5: build from the directory (``LlamaTokenizer(vocab_file=...)`` silently makes an empty one)
    cls = LlamaTokenizer if model_type == "bpe" else TokenizersBackend
    tokenizer = cls.from_pretrained(
        str(out),
        bos_token=BOS,
        eos_token=END_TAG,
        unk_token=UNK,
        pad_token=UNK,
        extra_special_tokens=list(SPECIAL_TOKENS),
        legacy=False,
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.model_max_length = 1 << 30
    # The template goes into tokenizer_config.json (not chat_template.jinja): the package data ships .json
    # files, and vLLM and transformers both read it from there.
    tokenizer.save_pretrained(str(out), save_jinja_files=False)
    check = load_tokenizer(out)
    for tag in SPECIAL_TOKENS:
        if len(check.encode(tag, add_special_tokens=False)) != 1:
            raise ArtifactError(f"tokenizer export broke the chat tag {tag!r} into several tokens")


def load_tokenizer(tokenizer_dir: str | Path) -> Any:
    """``AutoTokenizer.from_pretrained`` with a clear error for a directory that is not a tokenizer."""
    from transformers import AutoTokenizer

    path = Path(tokenizer_dir)
    if not (path / "tokenizer.json").is_file() and not (path / SPM_FILE).is_file():
        raise ArtifactError(
            f"{path} is not a tokenizer directory (no tokenizer.json; run `paramstack tokenizer train`)"
        )
    return AutoTokenizer.from_pretrained(str(path))


def fertility(tokenizer: Any, texts: Sequence[str]) -> float | None:
    """Tokens per whitespace word: how many pieces an average word costs (lower is cheaper, longer context)."""
    word_count = sum(len(t.split()) for t in texts)
    if word_count == 0:
        return None
    token_count = sum(len(tokenizer.encode(t, add_special_tokens=False)) for t in texts)
    return round(token_count / word_count, 3)


def tokenizer_report(tokenizer_dir: str | Path, corpus_dir: str | Path | None = None) -> dict[str, Any]:
    """Vocab, special ids and fertility per language on the corpus's held-out documents; written to OUT."""
    tokenizer = load_tokenizer(tokenizer_dir)
    report: dict[str, Any] = {
        "tokenizer_dir": str(tokenizer_dir),
        "vocab_size": len(tokenizer),
        "model_type": "unigram" if type(tokenizer).__name__ == "TokenizersBackend" else "bpe",
        "eos_token": tokenizer.eos_token,
        "eos_token_id": tokenizer.eos_token_id,
        "bos_token_id": tokenizer.bos_token_id,
        "special_token_ids": {t: tokenizer.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS},
        "fertility": {},
    }
    if corpus_dir is not None:
        from paramstack.train.corpus import load_corpus, split_heldout

        _, heldout = split_heldout(load_corpus(corpus_dir))
        for lang in ("tr", "en"):
            texts = [r.text for r in heldout if r.lang == lang]
            report["fertility"][lang] = fertility(tokenizer, texts)
            report.setdefault("heldout_words", {})[lang] = sum(len(t.split()) for t in texts)
        report["heldout_docs"] = len(heldout)
    (Path(tokenizer_dir) / REPORT_FILE).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    return report
