"""Markdown and plain text -> sections under their heading paths.

Only the structure retrieval needs is read (ATX and setext headings, fenced code, front matter); the
text itself stays Markdown, which embeds and keyword-matches fine.
"""

from __future__ import annotations

import re

from paramstack.rag.models import ParsedDocument, Section

ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


class HeadingPath:
    """The current chain of headings; a heading of level n replaces levels >= n."""

    def __init__(self) -> None:
        self._levels: list[tuple[int, str]] = []

    def enter(self, level: int, title: str) -> None:
        self._levels = [(lvl, t) for lvl, t in self._levels if lvl < level]
        self._levels.append((level, title))

    @property
    def titles(self) -> tuple[str, ...]:
        return tuple(t for _, t in self._levels)


def parse_markdown(text: str) -> ParsedDocument:
    lines = _without_front_matter(text.replace("\r\n", "\n").replace("\r", "\n")).split("\n")
    path = HeadingPath()
    sections: list[Section] = []
    body: list[str] = []
    title = ""
    fence: str | None = None

    def flush() -> None:
        content = "\n".join(body).strip()
        if content:
            sections.append(Section(path.titles, content))
        body.clear()

    for index, line in enumerate(lines):
        fence_match = FENCE.match(line)
        if fence is not None:
            body.append(line)
            if fence_match and fence_match.group(1)[0] == fence[0] and len(fence_match.group(1)) >= len(fence):
                fence = None
            continue
        if fence_match:
            fence = fence_match.group(1)
            body.append(line)
            continue
        heading = ATX_HEADING.match(line)
        setext = _setext_level(lines, index)
        if heading or setext:
            level = len(heading.group(1)) if heading else setext
            heading_text = (heading.group(2) if heading else line).strip()
            if setext:
                lines[index + 1] = ""  # the underline is not text
            flush()
            path.enter(level, heading_text)
            title = title or (heading_text if level == 1 else "")
            continue
        body.append(line)
    flush()
    return ParsedDocument("markdown", title or _first_heading(sections), sections)


def parse_plain_text(text: str) -> ParsedDocument:
    content = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    first_line = content.split("\n", 1)[0].strip()[:200]
    return ParsedDocument("text", first_line, [Section((), content)] if content else [])


def _setext_level(lines: list[str], index: int) -> int:
    """A non-blank paragraph line followed by === (level 1) or --- (level 2)."""
    line = lines[index]
    if not line.strip() or index + 1 >= len(lines) or ATX_HEADING.match(line):
        return 0
    if index > 0 and lines[index - 1].strip():
        return 0  # only a one-line paragraph counts; avoids reading a table rule as a heading
    underline = SETEXT_UNDERLINE.match(lines[index + 1])
    if not underline:
        return 0
    return 1 if underline.group(1).startswith("=") else 2


def _without_front_matter(text: str) -> str:
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end != -1:
            return text[end + 4 :].lstrip("\n")
    return text


def _first_heading(sections: list[Section]) -> str:
    return next((s.headings[0] for s in sections if s.headings), "")
