"""Incremental detokenization: turn one token at a time into text deltas that are always whole characters.

Two traps make ``decode([token])`` per token wrong:
- byte-fallback tokens (``<0xC3>`` ``<0xBC>`` = "ü") decode to U+FFFD until the last byte arrives, so a
  delta is only released when the decoded text no longer ends in a partial character;
- SentencePiece decoders drop the leading space of the FIRST token of a decode call, so each window is
  decoded together with a few earlier tokens (starting with the end of the prompt) and only the
  difference is returned. This is the prefix/read offset scheme of TGI and vLLM.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

Decode = Callable[[Sequence[int]], str]

REPLACEMENT_CHAR = "\ufffd"
# Tokens of the prompt decoded before the first generated token, so its leading space survives.
PROMPT_CONTEXT_TOKENS = 4


class IncrementalDetokenizer:
    """``push`` each generated token; it returns the new complete text (possibly ""). ``flush`` at the end."""

    def __init__(self, decode: Decode, prompt_ids: Sequence[int]) -> None:
        self._decode = decode
        context = list(prompt_ids[-PROMPT_CONTEXT_TOKENS:])
        self._ids: list[int] = context
        self._prefix_offset = 0  # start of the window decoded for context
        self._read_offset = len(context)  # tokens before this were already returned as text

    def push(self, token_id: int) -> str:
        self._ids.append(token_id)
        return self._advance(final=False)

    def flush(self) -> str:
        """Whatever is left (a dangling partial character comes out as U+FFFD rather than vanishing)."""
        return self._advance(final=True)

    def _advance(self, *, final: bool) -> str:
        if self._read_offset == len(self._ids):
            return ""
        prefix_text = self._decode(self._ids[self._prefix_offset : self._read_offset])
        new_text = self._decode(self._ids[self._prefix_offset :])
        if len(new_text) <= len(prefix_text) and not final:
            return ""  # e.g. a special token that decodes to nothing, or a lone byte
        if new_text.endswith(REPLACEMENT_CHAR) and not final:
            return ""  # half a character: wait for its remaining bytes
        delta = new_text[len(prefix_text) :]
        self._prefix_offset = self._read_offset
        self._read_offset = len(self._ids)
        return delta
