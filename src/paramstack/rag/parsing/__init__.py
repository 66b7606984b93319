"""Bytes -> ``ParsedDocument``: text, Markdown, HTML and PDF, keeping the heading structure."""

from paramstack.rag.parsing.detect import parse_document

__all__ = ["parse_document"]
