"""PDF -> one section per page (with the outline's heading where the PDF has one), through pypdf."""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING, Any

from paramstack.errors import InvalidRequest
from paramstack.rag.models import ParsedDocument, Section

if TYPE_CHECKING:
    from pypdf import PdfReader

# pypdf logs every recoverable oddity of a file as a warning; a corrupt file is reported by our error instead.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def parse_pdf(data: bytes) -> ParsedDocument:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:  # pragma: no cover - pypdf is a dependency of the rag extra
        raise InvalidRequest(
            "PDF support needs the 'pypdf' package (pip install 'paramstack[rag]')", code="unsupported_format"
        ) from None
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise InvalidRequest(
                "the PDF is encrypted; upload an unencrypted copy", param="document", code="encrypted_document"
            )
        headings = _page_headings(reader)
        sections = []
        for number, page in enumerate(reader.pages, start=1):
            text = (page.extract_text() or "").strip()
            if text:
                heading = headings.get(number - 1)
                sections.append(Section((heading,) if heading else (f"page {number}",), text))
        metadata = reader.metadata
        title = str((metadata.get("/Title") if metadata is not None else None) or "").strip()
    except InvalidRequest:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError) as error:
        raise InvalidRequest(
            f"the PDF could not be read (corrupt or truncated file): {error}", param="document", code="corrupt_document"
        ) from None
    if not sections:
        raise InvalidRequest(
            "the PDF has no extractable text (a scan? OCR is not supported)", param="document", code="empty_document"
        )
    return ParsedDocument("pdf", title, sections)


def _page_headings(reader: PdfReader) -> dict[int, str]:
    """The first outline (bookmark) title that points at each page, where the PDF has an outline."""
    found: dict[int, str] = {}

    def walk(items: list[Any]) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
                continue
            try:
                page = reader.get_destination_page_number(item)
            except Exception:  # noqa: BLE001 - a broken bookmark only loses its heading
                continue
            if page is not None and page not in found and getattr(item, "title", None):
                found[page] = str(item.title).strip()

    try:
        walk(reader.outline)
    except Exception:  # noqa: BLE001 - outlines are optional and often malformed
        return {}
    return found
