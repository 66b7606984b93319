"""Log-probabilities from the real logits, as vLLM and OpenAI report them.

The distribution is the model's own (log-softmax of the raw logits of that step): before temperature,
top-p and the grammar mask, vLLM's default ``raw_logprobs`` mode. A chosen token's string is the piece of
text it added to the output (so the pieces concatenate to the text and offsets work); alternatives are
named by their own text. Imported only by the local engine's worker (needs torch).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import torch

from paramstack.engine.detokenizer import IncrementalDetokenizer
from paramstack.engine.protocol import TokenLogprob


class TokenTexts:
    """The text of single tokens (for top alternatives), decoded once each."""

    def __init__(self, tokenizer: Any, lock: threading.Lock) -> None:
        self._tokenizer = tokenizer
        self._lock = lock
        self._texts: dict[int, str] = {}

    def __call__(self, token_id: int) -> str:
        text = self._texts.get(token_id)
        if text is None:
            with self._lock:
                piece = self._tokenizer.convert_ids_to_tokens(token_id)
                text = self._tokenizer.convert_tokens_to_string([piece]) if piece is not None else ""
            if piece and piece.startswith("\u2581") and not text.startswith(" "):
                text = " " + text  # SentencePiece drops the leading space of a lone piece
            self._texts[token_id] = text
        return text

    def pieces(self, ids: Sequence[int]) -> list[str]:
        """Each token's share of ``decode(ids)``: the pieces concatenate to the decoded text (a token that
        ends half a character gets "", the one that completes it gets the character). Linear time."""
        detokenizer = IncrementalDetokenizer(self._decode, ())
        pieces = [detokenizer.push(token) for token in ids]
        if pieces:
            pieces[-1] += detokenizer.flush()
        return pieces

    def _decode(self, ids: Sequence[int]) -> str:
        with self._lock:
            return str(self._tokenizer.decode(list(ids), skip_special_tokens=True))


def step_logprobs(
    logits: torch.Tensor, chosen: Sequence[int], top_n: Sequence[int], texts: TokenTexts
) -> list[TokenLogprob]:
    """One entry per row of ``logits`` ``[rows, vocab]``; the token string is filled in later."""
    logprobs = torch.log_softmax(logits.float(), dim=-1)
    width = max(top_n, default=0)
    best = logprobs.topk(width, dim=-1) if width else None
    picked = logprobs.gather(-1, torch.tensor(chosen, dtype=torch.long, device=logits.device).unsqueeze(-1))
    picked_list = picked.squeeze(-1).tolist()
    entries = []
    for row, (value, n) in enumerate(zip(picked_list, top_n, strict=True)):
        top: tuple[tuple[str, float], ...] = ()
        if n and best is not None:
            ids = best.indices[row, :n].tolist()
            top = tuple(zip((texts(i) for i in ids), best.values[row, :n].tolist(), strict=True))
        entries.append(TokenLogprob(token="", logprob=float(value), top=top))
    return entries


def prompt_logprobs(
    logits: torch.Tensor, ids: Sequence[int], top_n: int, texts: TokenTexts
) -> tuple[TokenLogprob, ...]:
    """Teacher-forced logprobs of a prompt from its prefill logits ``[len(ids), vocab]`` (position i
    predicts token i + 1); the first token has none."""
    pieces = texts.pieces(ids)
    entries = [TokenLogprob(token=pieces[0], logprob=None)]
    if len(ids) > 1:
        rest = step_logprobs(logits[:-1], list(ids[1:]), [top_n] * (len(ids) - 1), texts)
        entries.extend(TokenLogprob(pieces[i + 1], e.logprob, e.top) for i, e in enumerate(rest))
    return tuple(entries)
