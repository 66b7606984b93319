"""Choosing the next token of each row: greedy, or temperature + top-p with a per-row random generator.

Each sampled row owns its ``torch.Generator``, so a seeded request draws the same numbers whatever else
shares its batch: the same seed gives the same text. Imported only by the local engine (needs torch).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import torch

from paramstack.engine.protocol import SamplingParams


class RowSampler:
    """The sampling state of one request."""

    def __init__(self, params: SamplingParams, device: torch.device | str = "cpu") -> None:
        self.greedy = params.temperature == 0
        self.temperature = params.temperature
        self.top_p = params.top_p
        self.generator: torch.Generator | None = None
        if not self.greedy:
            seed = params.seed if params.seed is not None else secrets.randbits(63)
            self.generator = torch.Generator(device=device)
            self.generator.manual_seed(seed)

    def sample(self, logits: torch.Tensor) -> torch.Tensor:
        """One token id (0-d tensor) from the logits ``[vocab]`` of this row."""
        probs = torch.softmax(logits.float() / self.temperature, dim=-1)
        if self.top_p < 1.0:
            sorted_probs, order = probs.sort(descending=True)
            # Keep the smallest head whose mass reaches top_p (the most likely token always stays).
            outside = sorted_probs.cumsum(-1) - sorted_probs > self.top_p
            sorted_probs = sorted_probs.masked_fill(outside, 0.0)
            choice = torch.multinomial(sorted_probs, 1, generator=self.generator)
            return order[choice[0]]
        return torch.multinomial(probs, 1, generator=self.generator)[0]


def next_tokens(samplers: Sequence[RowSampler], logits: torch.Tensor) -> list[int]:
    """The next token of every row, from the last-position logits ``[rows, vocab]``."""
    chosen = logits.argmax(dim=-1)
    for row, sampler in enumerate(samplers):
        if not sampler.greedy:
            chosen[row] = sampler.sample(logits[row])
    return chosen.tolist()
