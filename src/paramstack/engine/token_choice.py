"""One decode step's choice of next tokens for a batch: grammar masks, sampling, logprobs.

Constrained rows share the forward pass with free rows; each constrained row's grammar fills its own
line of a token bitmask, which is applied to that row's logits only (``indices``), so the other rows'
logits are untouched. Logprobs come from the logits before any mask (the model's own distribution).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from paramstack.engine.protocol import TokenLogprob
from paramstack.engine.rows import Row
from paramstack.engine.sampling import next_tokens
from paramstack.engine.token_logprobs import TokenTexts, step_logprobs


def choose_tokens(
    rows: Sequence[Row], logits: torch.Tensor, texts: TokenTexts
) -> tuple[list[int], list[TokenLogprob | None]]:
    """The next token of every row from the last-position logits ``[rows, vocab]``, and its logprob
    entry for the rows that asked for logprobs."""
    constrained = [i for i, row in enumerate(rows) if row.matcher is not None]
    wanted = [i for i, row in enumerate(rows) if row.logprobs is not None]
    raw = logits
    if constrained:
        import xgrammar

        logits = logits.clone() if wanted else logits.contiguous()
        bitmask = xgrammar.allocate_token_bitmask(len(rows), logits.shape[-1])
        for i in constrained:
            rows[i].matcher.fill_next_token_bitmask(bitmask, i)  # matchers fill CPU memory
        xgrammar.apply_token_bitmask_inplace(logits, bitmask.to(logits.device, non_blocking=True), indices=constrained)
        for i in constrained:
            if rows[i].in_json and rows[i].control_token_ids is not None:
                logits[i, rows[i].control_token_ids.to(logits.device)] = float("-inf")
            # xgrammar's masks let a surrogate's bytes follow a lead byte 0xED (grammars.SurrogateBan).
            ban = rows[i].surrogate_ban
            banned = ban.banned_after(rows[i].last_token) if ban is not None else None
            if banned is not None:
                logits[i, banned.to(logits.device)] = float("-inf")
    tokens = next_tokens([row.sampler for row in rows], logits)
    entries: list[TokenLogprob | None] = [None] * len(rows)
    if wanted:
        found = step_logprobs(raw[wanted], [tokens[i] for i in wanted], [rows[i].logprobs or 0 for i in wanted], texts)
        for i, entry in zip(wanted, found, strict=True):
            entries[i] = entry
    return tokens, entries
