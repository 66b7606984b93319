"""Reading tool calls out of generated text, as it streams, in chat_format's syntax:

    <tool_call>{"name":"get_weather","arguments":{"city":"Ankara"}}</tool_call>

``push`` takes text deltas and returns the content text to show plus ``ToolCallDelta`` pieces, OpenAI
streaming style: the first piece of a call carries its id and name, later pieces extend ``arguments``
as the model writes them (the argument bytes are passed through exactly as generated). Text that could
still become ``<tool_call>`` is held back until the next delta decides. The constrained decoder makes
malformed calls impossible on rows that offer tools; should one appear anyway (a model that ignores its
grammar), its text is given back as content rather than lost.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from paramstack.chat_format import TOOL_CALL_CLOSE, TOOL_CALL_OPEN
from paramstack.engine.protocol import ToolCallDelta

_HEADER = re.compile(r'\s*\{\s*"name"\s*:\s*"((?:[^"\\]|\\.)*)"\s*,\s*"arguments"\s*:\s*')
_MAX_HEADER = 512  # longer than any name: a header that has not matched by then never will


def new_call_id() -> str:
    return "call_" + secrets.token_hex(12)


@dataclass
class ToolCallParser:
    new_id: Callable[[], str] = new_call_id
    calls: int = 0  # complete calls so far
    _state: str = "text"  # text | header | arguments | close
    _buffer: str = ""
    _raw: str = ""  # the current call's text so far, given back as content if it turns out malformed
    _depth: int = 0
    _in_string: bool = False
    _escaped: bool = False
    _deltas: list[ToolCallDelta] = field(default_factory=list)
    # Offsets in the text pushed so far: [start, end) ranges that came out as content (for logprobs).
    content_spans: list[tuple[int, int]] = field(default_factory=list)
    _seen: int = 0

    @property
    def decided(self) -> int:
        """Every character pushed before this offset is known to be content or part of a call."""
        held = len(self._buffer) + (len(self._raw) if self._state == "header" else 0)
        return self._seen - held

    @property
    def in_arguments(self) -> bool:
        """The text now being generated is a call's arguments (compact JSON when constrained)."""
        return self._state == "arguments"

    @property
    def in_call(self) -> bool:
        """A call has started and not ended (a stream cut here leaves it unfinished)."""
        return self._state != "text"

    def push(self, text: str) -> tuple[str, tuple[ToolCallDelta, ...]]:
        self._buffer += text
        self._seen += len(text)
        content: list[str] = []
        while self._step(content):
            pass
        deltas, self._deltas = _merged(self._deltas), []
        return "".join(content), deltas

    def finish(self, *, drop_partial_tag: bool = False) -> tuple[str, tuple[ToolCallDelta, ...]]:
        """End of generation: what is still held back. An unfinished call stays unfinished (no content).
        ``drop_partial_tag``: a held-back beginning of ``<tool_call>`` was a call cut short (a grammar
        allowed nothing else there), not text."""
        tail = self._buffer if self._state == "text" else ""
        if drop_partial_tag and tail and TOOL_CALL_OPEN.startswith(tail):
            tail = ""
        content: list[str] = []
        self._emit(content, tail, self._seen - len(self._buffer))
        self._buffer = ""
        deltas, self._deltas = _merged(self._deltas), []
        return "".join(content), deltas

    def _emit(self, content: list[str], text: str, start: int) -> None:
        """``text``, which began at offset ``start`` of the pushed text, is content."""
        if not text or self.calls and not text.strip():
            return  # between and after calls the model writes the separator newline: not content
        content.append(text)
        self.content_spans.append((start, start + len(text)))

    def _step(self, content: list[str]) -> bool:
        """Consume what the buffer allows; True while progress is made."""
        buffer = self._buffer
        if self._state == "text":
            start = buffer.find(TOOL_CALL_OPEN)
            base = self._seen - len(buffer)
            if start >= 0:
                self._emit(content, buffer[:start], base)
                self._raw = TOOL_CALL_OPEN
                self._buffer = buffer[start + len(TOOL_CALL_OPEN) :]
                self._state = "header"
                return True
            keep = _partial_suffix(buffer, TOOL_CALL_OPEN)
            self._emit(content, buffer[: len(buffer) - keep], base)
            self._buffer = buffer[len(buffer) - keep :]
            return False
        if self._state == "header":
            match = _HEADER.match(buffer)
            if match is None or match.end() == len(buffer):
                # Not yet, or a match that reaches the buffer's end and may still grow (whitespace): wait.
                if match is None and (len(buffer) >= _MAX_HEADER or not _could_be_header(buffer)):
                    return self._malformed(content)
                return False
            name = json.loads(f'"{match.group(1)}"')
            self._deltas.append(ToolCallDelta(index=self.calls, id=self.new_id(), name=name))
            self._raw += buffer[: match.end()]
            self._buffer = buffer[match.end() :]
            self._state, self._depth, self._in_string, self._escaped = "arguments", 0, False, False
            return True
        if self._state == "arguments":
            end = self._scan_arguments(buffer)
            piece = buffer if end is None else buffer[:end]
            if piece:
                self._deltas.append(ToolCallDelta(index=self.calls, arguments=piece))
            self._raw += piece
            if end is None:
                self._buffer = ""
                return False
            self._buffer = buffer[end + 1 :]  # the call object's closing brace
            self._state = "close"
            return True
        if buffer.startswith(TOOL_CALL_CLOSE):
            self._buffer = buffer[len(TOOL_CALL_CLOSE) :]
            self._state = "text"
            self.calls += 1
            return True
        if TOOL_CALL_CLOSE.startswith(buffer):
            return False
        return self._malformed(content)

    def _scan_arguments(self, text: str) -> int | None:
        """Index of the brace that closes the call object (arguments done), None while they go on."""
        for i, char in enumerate(text):
            if self._in_string:
                if self._escaped:
                    self._escaped = False
                elif char == "\\":
                    self._escaped = True
                elif char == '"':
                    self._in_string = False
            elif char == '"':
                self._in_string = True
            elif char in "{[":
                self._depth += 1
            elif char in "}]":
                if self._depth == 0:
                    return i
                self._depth -= 1
        return None

    def _malformed(self, content: list[str]) -> bool:
        if self._deltas or self._state in ("arguments", "close"):
            # Pieces already went out as a call: keep treating the rest as its text, never as content.
            self._state = "text"
            self._buffer = ""
            return False
        self._emit(content, self._raw + self._buffer, self._seen - len(self._buffer) - len(self._raw))
        self._raw, self._buffer, self._state = "", "", "text"
        return False


def _could_be_header(text: str) -> bool:
    probe = '{"name":"'
    compact = re.sub(r"\s+", "", text)
    return probe.startswith(compact) or compact.startswith(probe)


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest end of ``text`` that begins ``tag``."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:size]):
            return size
    return 0


def _merged(deltas: list[ToolCallDelta]) -> tuple[ToolCallDelta, ...]:
    """One delta per call per chunk: consecutive pieces of the same call joined."""
    merged: list[ToolCallDelta] = []
    for delta in deltas:
        if merged and merged[-1].index == delta.index and delta.id is None:
            last = merged[-1]
            merged[-1] = ToolCallDelta(last.index, last.id, last.name, last.arguments + delta.arguments)
        else:
            merged.append(delta)
    return tuple(merged)
