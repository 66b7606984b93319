"""The exported tokenizer: same ids as raw SentencePiece, chat template, one id per chat tag, eos = <|end|>."""

from __future__ import annotations

from pathlib import Path

from paramstack.chat_format import CHAT_TEMPLATE, END_TAG, SPECIAL_TOKENS, render_chat

SAMPLES = [
    "Ailydian AI Ecosystem, kurumların kendi parametrelerine sahip olmasını sağlar.",
    "İSTANBUL'da ılık bir gün; ĞÜŞİÖÇ ğüşıöç.",
    "paramstack serves LoRA adapters to many tenants: 42 tenants, 3.5 ms.",
    "two  spaces\tand a tab\nand a newline",
    "emoji 🙂 and 漢字 fall back to bytes",
]


def test_ids_round_trip_against_raw_sentencepiece(micro_tokenizer_dir: Path) -> None:
    import sentencepiece as spm
    from transformers import AutoTokenizer

    raw = spm.SentencePieceProcessor(model_file=str(micro_tokenizer_dir / "tokenizer.model"))
    tokenizer = AutoTokenizer.from_pretrained(str(micro_tokenizer_dir))
    for text in SAMPLES:
        ids = tokenizer.encode(text, add_special_tokens=False)
        assert ids == raw.encode(text), text
        assert tokenizer.decode(ids) == text
    # Known, documented difference (tokenizer.py): text that starts with a space; corpus text never does.
    assert tokenizer.unk_token_id not in tokenizer.encode("emoji 🙂 漢字", add_special_tokens=False)


def test_chat_tags_are_single_special_tokens_and_end_is_eos(micro_tokenizer_dir: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(micro_tokenizer_dir))
    for tag in SPECIAL_TOKENS:
        assert len(tokenizer.encode(tag, add_special_tokens=False)) == 1, tag
    assert tokenizer.eos_token == END_TAG
    assert tokenizer.eos_token_id == tokenizer.convert_tokens_to_ids(END_TAG)
    assert tokenizer.pad_token_id is not None and tokenizer.pad_token_id != tokenizer.eos_token_id
    text = tokenizer.decode(tokenizer.encode("<|user|>\nMerhaba<|end|>\n"), skip_special_tokens=True)
    assert text.strip() == "Merhaba"


def test_chat_template_matches_render_chat(micro_tokenizer_dir: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(micro_tokenizer_dir))
    assert tokenizer.chat_template == CHAT_TEMPLATE
    messages = [{"role": "system", "content": "Kısa cevap ver."}, {"role": "user", "content": "KVKK nedir?"}]
    rendered = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    assert rendered == render_chat(messages, bos="<s>")
    ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_dict=True)["input_ids"]
    assert ids[0] == tokenizer.bos_token_id
    assert ids.count(tokenizer.convert_tokens_to_ids(END_TAG)) == 2


def test_train_from_texts_in_seconds_and_report_fertility(tmp_path: Path, micro_corpus_dir: Path) -> None:
    import time

    from paramstack.train.tokenizer import tokenizer_report, train_tokenizer

    started = time.perf_counter()
    out = train_tokenizer(["Merhaba dünya, bu bir deneme metnidir."] * 50 + SAMPLES, tmp_path / "tok", 400)
    assert time.perf_counter() - started < 20
    assert (out / "tokenizer.json").is_file() and (out / "tokenizer.model").is_file()
    report = tokenizer_report(micro_corpus_dir.parent / "tokenizer", micro_corpus_dir)
    assert set(report["fertility"]) == {"tr", "en"}
    assert all(1.0 <= value < 4.0 for value in report["fertility"].values())


def test_unigram_exports_through_tokenizers_backend(tmp_path: Path) -> None:
    from paramstack.train.tokenizer import load_tokenizer, train_tokenizer

    texts = ["Merhaba dünya, bu bir deneme metnidir ve Türkçe harfler içerir: ç ğ ı ö ş ü."] * 40 + SAMPLES
    tokenizer = load_tokenizer(train_tokenizer(texts, tmp_path / "uni", 400, "unigram"))
    assert type(tokenizer).__name__ == "TokenizersBackend"
    assert len(tokenizer.encode(END_TAG, add_special_tokens=False)) == 1
    assert tokenizer.decode(tokenizer.encode(SAMPLES[0], add_special_tokens=False)) == SAMPLES[0]
