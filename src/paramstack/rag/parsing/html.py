"""HTML -> sections: h1-h6 open headings, block elements end paragraphs, scripts and styles are dropped."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from paramstack.rag.models import ParsedDocument, Section
from paramstack.rag.parsing.markdown import HeadingPath

HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
SKIPPED = {"script", "style", "noscript", "template", "svg", "head", "nav", "footer", "iframe", "object"}
BLOCKS = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "header",
    "aside",
    "li",
    "ul",
    "ol",
    "table",
    "tr",
    "br",
    "pre",
    "blockquote",
    "dd",
    "dt",
    "dl",
    "figcaption",
    "hr",
    "form",
    "fieldset",
    "details",
    "summary",
}
CELLS = {"td", "th"}
SPACES = re.compile(r"[ \t\f\v\u00a0]+")


class _SectionCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.path = HeadingPath()
        self.sections: list[Section] = []
        self.title = ""
        self._paragraphs: list[str] = []
        self._line: list[str] = []
        self._skip_depth = 0
        self._heading: tuple[int, list[str]] | None = None
        self._in_title = False
        self._in_pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        if tag in SKIPPED:
            self._skip_depth += 1
        elif tag in HEADINGS:
            self._end_line()
            self._flush_section()
            self._heading = (HEADINGS[tag], [])
        elif tag in BLOCKS:
            self._end_line()
            self._in_pre += tag == "pre"
        elif tag in CELLS:
            self._line.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in SKIPPED:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in HEADINGS and self._heading is not None:
            level, parts = self._heading
            text = SPACES.sub(" ", "".join(parts)).strip()
            self._heading = None
            if text:
                self.path.enter(level, text)
                self.title = self.title or (text if level == 1 else "")
        elif tag in BLOCKS:
            self._end_line()
            self._in_pre -= tag == "pre" and self._in_pre > 0

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = self.title or data.strip()
            return
        if self._skip_depth:
            return
        if self._heading is not None:
            self._heading[1].append(data)
            return
        if self._in_pre:
            self._paragraphs.append(data.strip("\n"))
            return
        self._line.append(data)

    def close(self) -> None:
        super().close()
        self._end_line()
        self._flush_section()

    def _end_line(self) -> None:
        text = SPACES.sub(" ", "".join(self._line).replace("\n", " ")).strip(" |")
        if text.strip():
            self._paragraphs.append(text.strip())
        self._line = []

    def _flush_section(self) -> None:
        content = "\n\n".join(p for p in self._paragraphs if p.strip())
        if content:
            self.sections.append(Section(self.path.titles, content))
        self._paragraphs = []


def parse_html(text: str) -> ParsedDocument:
    collector = _SectionCollector()
    collector.feed(text)
    collector.close()
    return ParsedDocument("html", collector.title, collector.sections)
