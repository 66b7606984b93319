"""Formats in, heading-aware chunks out; bad files get clear errors."""

from __future__ import annotations

import re

import pytest

from paramstack.errors import InvalidRequest, PayloadTooLarge
from paramstack.rag.analyzer import index_terms, query_terms
from paramstack.rag.chunking import chunk_sections
from paramstack.rag.models import Section
from paramstack.rag.parsing import parse_document
from tests.rag.documents import HTML_PAGE, MARKDOWN_GUIDE, make_pdf

LIMIT = 1_000_000


def test_markdown_sections_keep_their_heading_path():
    parsed = parse_document(MARKDOWN_GUIDE.encode(), filename="guide.md", max_bytes=LIMIT)
    assert parsed.media_type == "markdown" and parsed.title == "Hypertension guide"
    by_heading = {s.headings: s.text for s in parsed.sections}
    assert by_heading[("Hypertension guide", "Treatment", "Medication")].startswith("ACE inhibitors")
    assert "this is a code comment" in by_heading[("Hypertension guide", "Treatment")]  # fenced code, not a heading
    assert not any("author: tests" in s.text for s in parsed.sections)  # front matter dropped
    chunks = chunk_sections(parsed.sections, 1000, 150)
    medication = next(c for c in chunks if "ACE inhibitors" in c.text)
    assert medication.heading == "Hypertension guide > Treatment > Medication"
    assert medication.text.startswith("Hypertension guide > Treatment > Medication\n")


def test_html_headings_and_text_without_scripts_or_navigation():
    parsed = parse_document(HTML_PAGE.encode(), filename="handbook.html", max_bytes=LIMIT)
    assert parsed.media_type == "html" and parsed.title == "Clinic handbook"
    text = "\n".join(s.text for s in parsed.sections)
    assert "do-not-index-this-script" not in text and "color: red" not in text and "Home | About" not in text
    vaccination = next(s for s in parsed.sections if s.headings[-1] == "Vaccination schedule")
    assert "Influenza vaccines are given every autumn" in vaccination.text
    assert "Bring your vaccination card." in vaccination.text
    billing = next(s for s in parsed.sections if s.headings[-1] == "Billing")
    assert "Consultation | 40 EUR" in billing.text


def test_pdf_pages_become_sections():
    pdf = make_pdf(
        [["Warranty terms", "Parts are covered for two years."], ["Returns (30 days)", "Keep the receipt."]],
        title="Store policy",
    )
    parsed = parse_document(pdf, filename="policy.pdf", max_bytes=LIMIT)
    assert parsed.media_type == "pdf" and parsed.title == "Store policy"
    assert [s.headings for s in parsed.sections] == [("page 1",), ("page 2",)]
    assert "Parts are covered for two years." in parsed.sections[0].text
    assert "Returns (30 days)" in parsed.sections[1].text


def test_format_is_sniffed_when_the_name_says_nothing():
    assert parse_document(make_pdf([["hello pdf"]]), max_bytes=LIMIT).media_type == "pdf"
    assert parse_document(HTML_PAGE.encode(), max_bytes=LIMIT).media_type == "html"
    assert parse_document(b"plain words", max_bytes=LIMIT).media_type == "text"
    assert parse_document(b"# Title\n\ntext", media_type="markdown", max_bytes=LIMIT).media_type == "markdown"


@pytest.mark.parametrize(
    ("data", "kwargs", "code"),
    [
        (b"PK\x03\x04 zip bytes", {"filename": "report.docx"}, "unsupported_format"),
        (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage", {"filename": "broken.pdf"}, "corrupt_document"),
        (make_pdf([["truncated file"]])[:120], {"filename": "truncated.pdf"}, "corrupt_document"),
        (make_pdf([[]]), {"filename": "blank.pdf"}, "empty_document"),
        (b"   \n\n  ", {"filename": "empty.txt"}, "empty_document"),
        (b"<html><body><script>only()</script></body></html>", {"filename": "empty.html"}, "empty_document"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", {"filename": "notes.txt"}, "unsupported_format"),
        (b"caf\xe9 latin-1", {"filename": "latin1.txt"}, "invalid_encoding"),
        (b"text", {"media_type": "application/msword"}, "unsupported_format"),
    ],
)
def test_bad_files_are_refused_with_a_clear_code(data, kwargs, code):
    with pytest.raises(InvalidRequest) as raised:
        parse_document(data, max_bytes=LIMIT, **kwargs)
    assert raised.value.code == code, raised.value.message


def test_files_over_the_limit_are_refused():
    with pytest.raises(PayloadTooLarge) as raised:
        parse_document(b"x" * 2048, filename="big.txt", max_bytes=1024)
    assert raised.value.status_code == 413 and "1,024" in raised.value.message


def test_chunks_respect_the_size_and_overlap():
    sentences = [f"Sentence number {i} talks about topic {i % 5}." for i in range(200)]
    chunks = chunk_sections([Section(("Long",), " ".join(sentences))], 500, 100)
    assert len(chunks) > 10
    assert all(len(c.text) <= 500 for c in chunks)
    assert [c.index for c in chunks] == list(range(len(chunks)))
    for first, second in zip(chunks, chunks[1:], strict=False):
        last_sentence = re.split(r"(?<=\.)\s+", first.text)[-1]
        assert last_sentence in second.text  # overlap: the cut sentence is whole in the next chunk
    text = "\n".join(c.text for c in chunks)
    assert all(s in text for s in sentences)  # nothing lost


def test_keyword_terms_fold_turkish_and_stem_by_prefix():
    assert index_terms("İSTANBUL'da Sözleşmelerimizden") == "istan da sozle"
    assert query_terms("sozlesme istanbul") == ["sozle", "istan"]
    assert query_terms("Kira ödemesi, kira!") == ["kira", "odeme"]
