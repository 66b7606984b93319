"""Verbatim reproduction of a tenant corpus, and disclaimers in both languages."""

from __future__ import annotations

from pathlib import Path

from paramstack.guard import Guard, GuardRegistry
from paramstack.guard.language import detect_language

POEM = (
    "the quiet harbour wakes before the gulls and every boat remembers the name of the hand that "
    "painted it long ago when the town was young and the sea was a road to everywhere we wanted to go"
)


def copyright_guard(tmp_path: Path, action: str = "block") -> Guard:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "poem.txt").write_text(POEM.capitalize() + ".", encoding="utf-8")
    policy = tmp_path / "p.yaml"
    policy.write_text(
        f"checks:\n  - check: copyright\n    action: {action}\n    applies_to: output\n"
        "    threshold: 0.8\n    settings: {corpus: corpus, ngram: 8, min_run_words: 20}\n"
    )
    return Guard.from_yaml(policy)


def test_long_verbatim_run_is_blocked_with_a_score(tmp_path: Path) -> None:
    guard = copyright_guard(tmp_path)
    copied = "Here is the poem: " + " ".join(POEM.upper().split()[:25]) + ". Hope you like it!"
    result = guard.validate(copied, "output")
    assert result.action == "block"
    (finding,) = result.findings
    assert finding.type == "verbatim" and finding.score == 1.0
    assert copied[finding.start : finding.end].lower().startswith("the quiet harbour")


def test_short_quote_and_paraphrase_pass(tmp_path: Path) -> None:
    guard = copyright_guard(tmp_path)
    short = "As the poem says, the quiet harbour wakes before the gulls and every boat, which I love."
    assert guard.validate(short, "output").action == "allow"
    assert guard.validate("A calm port wakes early and the boats recall their painters.", "output").action == "allow"


def test_mask_action_redacts_the_copied_run(tmp_path: Path) -> None:
    guard = copyright_guard(tmp_path, action="mask")
    copied = "Intro. " + POEM + " Outro."
    assert guard.validate(copied, "output").text == "Intro. [REDACTED] Outro."


def test_language_detection() -> None:
    assert detect_language("Bu ilacı günde iki kez almanız gerekir.") == "tr"
    assert detect_language("You should take this medicine twice a day.") == "en"
    assert detect_language("12345") is None


def test_legal_disclaimer_both_languages_and_keyword_trigger(tmp_path: Path, registry: GuardRegistry) -> None:
    legal = registry.get("legal")
    assert legal.validate("Dava açmak için süre bir yıldır.", "output").text.endswith(
        "Bu bilgiler hukuki tavsiye niteliği taşımaz. Hukuki durumunuz için bir avukata danışın."
    )
    assert legal.validate("The deadline to sue is one year.", "output").text.endswith(
        "This information is not legal advice. Please consult a qualified lawyer about your situation."
    )
    policy = tmp_path / "kw.yaml"
    policy.write_text(
        "checks:\n  - check: disclaimer\n    action: append\n    applies_to: output\n"
        "    settings: {domain: medical, trigger: keywords}\n"
    )
    guard = Guard.from_yaml(policy)
    assert guard.validate("Paris is the capital of France.", "output").action == "allow"
    assert guard.validate("Bu İLAÇ aç karnına alınmaz.", "output").text.endswith("bir hekime danışın.")
