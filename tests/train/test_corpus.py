"""Corpus building: what a user sees in corpus.jsonl and stats.json after `corpus build`."""

from __future__ import annotations

import json
import random
import unicodedata
from pathlib import Path

import pytest

from paramstack.errors import InvalidRequest
from paramstack.train.corpus import build_corpus, load_corpus, split_heldout
from paramstack.train.pii_scrub import is_valid_iban, is_valid_tckn, scrub_pii
from paramstack.train.textnorm import detect_language, normalize_text, turkish_lower, turkish_upper
from paramstack.train.training_text import qa_pairs, training_texts

DOC_TR = (
    "Ailydian ekosistemi, kurumların kendi yapay zekâ parametrelerine sahip olmasını sağlar. Bu ekosistemde "
    "her kurumun kendi adaptörü, kendi belge koleksiyonu ve kendi hız sınırları vardır; model ise ortaktır."
)
DOC_EN = (
    "The gateway checks the API key, finds the tenant, applies the rate limit and the quota, and then runs "
    "the model with the adapter of that tenant before it signs the answer and records the usage."
)


def test_normalize_text_nfc_whitespace_and_controls() -> None:
    decomposed = unicodedata.normalize("NFD", "şöyle  güzel\u00a0bir\x07 gün\r\n\n\n\nson")
    assert normalize_text(decomposed) == "şöyle güzel bir gün\n\nson"


def test_turkish_casing() -> None:
    assert turkish_lower("İSTANBUL ISPARTA") == "istanbul ısparta"
    assert turkish_upper("istanbul ılık") == "İSTANBUL ILIK"


def test_language_tags() -> None:
    assert detect_language(DOC_TR) == "tr"
    assert detect_language(DOC_EN) == "en"
    assert detect_language("12345 !!!") == "und"


def test_pii_checksums_and_scrub() -> None:
    assert is_valid_tckn("10000000146")
    assert not is_valid_tckn("10000000145")
    assert is_valid_iban("TR33 0006 1005 1978 6457 8413 26")
    assert not is_valid_iban("TR34 0006 1005 1978 6457 8413 26")
    text, counts = scrub_pii(
        "Yaz: ali.veli@example.com, tel 0532 123 45 67, TCKN 10000000146, IBAN TR33 0006 1005 1978 6457 8413 26; "
        "sipariş no 10000000145 kalsın."
    )
    assert text == "Yaz: [EMAIL], tel [PHONE], TCKN [TCKN], IBAN [IBAN]; sipariş no 10000000145 kalsın."
    assert counts == {"EMAIL": 1, "PHONE": 1, "TCKN": 1, "IBAN": 1}


def _write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_build_dedupes_exact_and_near_and_reports_stats(tmp_path: Path) -> None:
    src = tmp_path / "src"
    _write(src, "docs/a.md", DOC_TR)
    _write(src, "docs/b.txt", turkish_upper(DOC_TR))  # same words, Turkish upper case: exact duplicate
    _write(src, "docs/c.txt", DOC_TR + " Hepsi bu.")  # two words more: near duplicate
    _write(src, "docs/d.md", DOC_EN)
    _write(src, "docs/e.md", "   \n\n ")  # empty
    chat = {
        "messages": [
            {"role": "user", "content": "KVKK nedir?"},
            {"role": "assistant", "content": "Türkiye'nin kişisel veri koruma kanunudur."},
        ]
    }
    qa = {"questions": ["What is LoRA?", "Explain LoRA."], "answers": ["A small adapter.", "A low-rank adapter."]}
    _write(src, "chat/qa.jsonl", json.dumps(chat, ensure_ascii=False) + "\n\n" + json.dumps(qa) + "\n")
    stats = build_corpus([src], tmp_path / "out", pii_scrub=True)
    assert stats.read == 7
    assert stats.exact_duplicates_removed == 1
    assert stats.near_duplicates_removed == 1
    assert stats.empty_removed == 1
    assert stats.docs == 4
    assert stats.kinds == {"text": 2, "chat": 1, "qa": 1}
    assert stats.languages == {"tr": 2, "en": 2}
    assert stats.domains == {"docs": 2, "chat": 2}
    assert stats.tokens == len(DOC_TR.split()) + len(DOC_EN.split()) + 7 + 11
    written = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert written["near_duplicates_removed"] == 1 and len(written["sha256"]) == 64
    records = load_corpus(tmp_path / "out")
    assert [r.kind for r in records] == ["chat", "qa", "text", "text"]


def test_paraphrase_sets_expand_and_render_with_chat_template(tmp_path: Path) -> None:
    src = tmp_path / "qa.jsonl"
    src.write_text(json.dumps({"questions": ["Q1?", "Q2?"], "answers": ["A1.", "A2."]}) + "\n")
    build_corpus([src], tmp_path / "out")
    (record,) = load_corpus(tmp_path / "out")
    assert qa_pairs(record) == [("Q1?", "A1."), ("Q1?", "A2."), ("Q2?", "A1."), ("Q2?", "A2.")]
    assert training_texts([record])[0] == "<|user|>\nQ1?<|end|>\n<|assistant|>\nA1.<|end|>\n"


def test_weight_repeats_a_record_in_training_text(tmp_path: Path) -> None:
    src = tmp_path / "qa.jsonl"
    src.write_text(
        json.dumps({"questions": ["Q?"], "answers": ["A."], "weight": 3})
        + "\n"
        + json.dumps({"text": "Bir belge, ağırlıksız."})
        + "\n"
    )
    build_corpus([src], tmp_path / "out")
    records = load_corpus(tmp_path / "out")
    assert [r.weight for r in records] == [3, 1]
    assert len(training_texts(records)) == 4
    src.write_text(json.dumps({"questions": ["Q?"], "answers": ["A."], "weight": 0}) + "\n")
    with pytest.raises(InvalidRequest, match="weight"):
        build_corpus([src], tmp_path / "out")


def test_heldout_split_is_per_language_and_keeps_conversations(tmp_path: Path) -> None:
    src = tmp_path / "src"
    for i in range(4):  # shuffled words: distinct documents that still read as their language
        _write(src, f"tr{i}.md", " ".join(random.Random(i).sample(DOC_TR.split(), 25)))
        _write(src, f"en{i}.md", " ".join(random.Random(i).sample(DOC_EN.split(), 25)))
    build_corpus([src], tmp_path / "out")
    train, heldout = split_heldout(load_corpus(tmp_path / "out"), 0.05)
    assert sorted(r.lang for r in heldout) == ["en", "tr"]
    assert len(train) == 6


def test_bad_inputs_are_invalid_requests(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequest, match="not found"):
        build_corpus([tmp_path / "missing"], tmp_path / "out")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidRequest, match="no usable documents"):
        build_corpus([tmp_path / "empty"], tmp_path / "out")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok"}\n{"nope": 1}\n')
    with pytest.raises(InvalidRequest, match=r"bad.jsonl:2"):
        build_corpus([bad], tmp_path / "out")


def test_hf_source_offline_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from paramstack.errors import ConfigurationError

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ConfigurationError, match="offline"):
        build_corpus(["hf:wikitext"], tmp_path / "out")


def test_shipped_corpus_is_large_bilingual_and_separable() -> None:
    from paramstack.assets import DEMO_ADAPTERS, corpus_dir

    root = corpus_dir()
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    assert size > 150_000
    assert {p.name for p in (root / "base").iterdir()} == {"ailydian", "general", "medical", "legal"}
    assert {p.name for p in (root / "tenants").iterdir()} == set(DEMO_ADAPTERS)
    demo = (root / "base" / "ailydian" / "qa.jsonl").read_text(encoding="utf-8")
    for prompt in ("Ailydian AI Ecosystem nedir?", "What is paramstack?", "LoRA adaptörü nedir?", "KVKK nedir?"):
        assert f'"{prompt}"' in demo
