"""Pick the format of an upload (declared, then file extension, then content sniffing) and parse it."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from paramstack.errors import InvalidRequest, PayloadTooLarge
from paramstack.rag.models import MediaType, ParsedDocument

EXTENSIONS: dict[str, MediaType] = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".mdx": "markdown",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".pdf": "pdf",
}
MIME_TYPES: dict[str, MediaType] = {
    "text/plain": "text",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
}
FORMATS: tuple[MediaType, ...] = ("text", "markdown", "html", "pdf")


def parse_document(
    data: bytes, *, filename: str | None = None, media_type: str | None = None, max_bytes: int
) -> ParsedDocument:
    """Raise ``PayloadTooLarge`` over ``max_bytes``, ``InvalidRequest`` for unsupported, corrupt or empty files."""
    if len(data) > max_bytes:
        raise PayloadTooLarge(
            f"the document is {len(data):,} bytes; this server accepts at most {max_bytes:,}",
            param="document",
            code="document_too_large",
        )
    kind = detect_media_type(data, filename, media_type)
    if kind == "pdf":
        from paramstack.rag.parsing.pdf import parse_pdf

        parsed = parse_pdf(data)
    else:
        text = decode_text(data)
        if kind == "html":
            from paramstack.rag.parsing.html import parse_html

            parsed = parse_html(text)
        elif kind == "markdown":
            from paramstack.rag.parsing.markdown import parse_markdown

            parsed = parse_markdown(text)
        else:
            from paramstack.rag.parsing.markdown import parse_plain_text

            parsed = parse_plain_text(text)
    if not any(section.text.strip() for section in parsed.sections):
        raise InvalidRequest("the document has no text to index", param="document", code="empty_document")
    return parsed


def detect_media_type(data: bytes, filename: str | None, declared: str | None) -> MediaType:
    if declared:
        kind = declared.split(";")[0].strip().lower()
        if kind in FORMATS:
            return kind
        if kind in MIME_TYPES:
            return MIME_TYPES[kind]
        raise InvalidRequest(
            f"unsupported document format {declared!r}: use one of {', '.join(FORMATS)}",
            param="format",
            code="unsupported_format",
        )
    if filename:
        suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
        if suffix in EXTENSIONS:
            return EXTENSIONS[suffix]
        if suffix:
            raise InvalidRequest(
                f"unsupported file type {suffix!r} ({filename}): supported are {', '.join(sorted(EXTENSIONS))}",
                param="document",
                code="unsupported_format",
            )
    return sniff(data)


def sniff(data: bytes) -> MediaType:
    head = data[:1024].lstrip().lower()
    if data.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in head:
        return "html"
    return "text"


# C0 control bytes other than tab, newlines, form feed and escape do not occur in text files.
BINARY_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def decode_text(data: bytes) -> str:
    if BINARY_BYTES.search(data[:8192]) and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InvalidRequest(
            "the file looks binary, not text (control bytes); supported are text, Markdown, HTML and PDF",
            param="document",
            code="unsupported_format",
        )
    for encoding in ("utf-8-sig", "utf-16"):
        if encoding == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidRequest(
        "the text is not valid UTF-8; convert it to UTF-8 first", param="document", code="invalid_encoding"
    )
