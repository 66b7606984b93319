"""Sections -> chunks of about ``chunk_chars`` characters that never cross a heading.

A chunk starts with its heading path ("Guide > Install"), so the heading's words reach both the embedding
and the keyword index, and a hit can be shown with where it came from. Paragraphs are kept whole where they
fit, long ones are cut at sentence ends, then at spaces; consecutive chunks of one section overlap by about
``overlap_chars`` so a sentence cut in two is still found whole in one of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from paramstack.rag.models import Chunk, Section

PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
SENTENCE_END = re.compile(r"(?<=[.!?…:;])\s+")
HEADING_SEPARATOR = " > "


def chunk_sections(sections: list[Section], chunk_chars: int, overlap_chars: int) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in sections:
        heading = HEADING_SEPARATOR.join(section.headings)
        budget = max(chunk_chars - len(heading) - 1, chunk_chars // 2)
        for body in _pack(_pieces(section.text, budget), budget, overlap_chars):
            text = f"{heading}\n{body}" if heading else body
            chunks.append(Chunk(index=len(chunks), heading=heading, text=text))
    return chunks


def _pieces(text: str, budget: int) -> Iterator[str]:
    """Paragraphs, each cut into sentence runs (then words) no longer than ``budget``."""
    for paragraph in PARAGRAPH_BREAK.split(text):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        if len(paragraph) <= budget:
            yield paragraph
            continue
        for sentence in SENTENCE_END.split(paragraph):
            yield from _hard_split(sentence, budget)


def _hard_split(text: str, budget: int) -> Iterator[str]:
    while len(text) > budget:
        cut = text.rfind(" ", budget // 2, budget)
        cut = cut if cut > 0 else budget
        yield text[:cut].strip()
        text = text[cut:].strip()
    if text:
        yield text


def _pack(pieces: Iterator[str], budget: int, overlap_chars: int) -> Iterator[str]:
    current: list[str] = []
    size = 0
    for piece in pieces:
        if current and size + len(piece) + 2 > budget:
            yield "\n\n".join(current)
            current = _overlap(current, overlap_chars, budget - len(piece) - 2)
            size = sum(len(p) + 2 for p in current)
        current.append(piece)
        size += len(piece) + 2
    if current:
        yield "\n\n".join(current)


def _overlap(previous: list[str], overlap_chars: int, room: int) -> list[str]:
    """The tail of the previous chunk (whole sentences, at most ``overlap_chars``) to start the next one."""
    limit = min(overlap_chars, room)
    if limit <= 0:
        return []
    sentences = SENTENCE_END.split(previous[-1])
    tail: list[str] = []
    for sentence in reversed(sentences):
        if sum(len(s) + 1 for s in tail) + len(sentence) > limit:
            break
        tail.insert(0, sentence)
    return [" ".join(tail)] if tail else []
