"""Token streams and batches for causal-LM training (nanoGPT style: one long stream, random windows).

Every text becomes ``<s> ... </s>`` and all texts are concatenated in a seeded random order. A batch is
``batch_size`` windows at random offsets: with a small corpus this sees each document in many different
positions and contexts, which a fixed block split would not.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any


def token_stream(tokenizer: Any, texts: Sequence[str], seed: int = 0) -> list[int]:
    """All texts, shuffled, each as ``bos + ids + eos(</s>)`` (``</s>`` ends documents; ``<|end|>`` ends turns)."""
    bos = tokenizer.bos_token_id
    doc_end = tokenizer.convert_tokens_to_ids("</s>")
    order = list(range(len(texts)))
    random.Random(seed).shuffle(order)
    stream: list[int] = []
    if not texts:
        return stream
    encoded = tokenizer([texts[i] for i in order], add_special_tokens=False)["input_ids"]
    for ids in encoded:
        stream.append(bos)
        stream.extend(ids)
        stream.append(doc_end)
    return stream


class WindowSampler:
    """Random ``(batch, block)`` windows of a token stream, reproducible from a seed."""

    def __init__(self, stream: Sequence[int], block_size: int, seed: int = 0) -> None:
        import torch

        if len(stream) < 2:
            raise ValueError("token stream too short to train on")
        self.block_size = min(block_size, len(stream) - 1)
        self.data = torch.tensor(stream, dtype=torch.long)
        self.generator = torch.Generator().manual_seed(seed)

    def batch(self, batch_size: int) -> Any:
        import torch

        high = len(self.data) - self.block_size
        starts = torch.randint(0, high, (batch_size,), generator=self.generator)
        return torch.stack([self.data[s : s + self.block_size] for s in starts.tolist()])


def eval_blocks(stream: Sequence[int], block_size: int, max_blocks: int = 64) -> Any:
    """Contiguous non-overlapping blocks of a held-out stream (the same ones at every evaluation)."""
    import torch

    usable = (len(stream) // block_size) * block_size
    if usable == 0:
        return torch.empty((0, block_size), dtype=torch.long)
    blocks = torch.tensor(stream[:usable], dtype=torch.long).view(-1, block_size)
    return blocks[:max_blocks]
