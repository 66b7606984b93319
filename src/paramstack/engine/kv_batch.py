"""The KV cache and attention mask of the running batch, and the surgery continuous batching needs.

Rows are left-padded: every row's newest token sits in the last column, so one decode step feeds one
token per row. Rows join (``merge``: pad the shorter side on the left, stack the rows) and leave
(``keep_rows``) between steps. Padding columns are masked out; positions come from each row's own
token count, never from the column index, so padding does not change what a row computes.
Rotary models store keys already rotated, which is why moving a row's cache right is harmless.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from transformers import DynamicCache


def new_cache() -> DynamicCache:
    # No config on purpose: plain full-length layers on every model, even sliding-window ones, so the
    # surgery below only ever meets [rows, heads, columns, head_dim] tensors. The sliding window itself
    # is still applied by the model's attention mask.
    return DynamicCache()


def left_pad_ids(rows: Sequence[Sequence[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids ``[rows, longest]`` and attention mask, padding each row on the left."""
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, width - len(row) :] = torch.tensor(row, dtype=torch.long)
        mask[i, width - len(row) :] = 1
    return ids, mask


def positions_from_mask(mask: torch.Tensor) -> torch.Tensor:
    """Position ids of a left-padded prompt batch: 0 at each row's first real token."""
    return (mask.cumsum(-1) - 1).clamp(min=0)


class KvBatch:
    """Cache + mask of the rows currently decoding, aligned with the scheduler's row list."""

    def __init__(self, cache: DynamicCache, mask: torch.Tensor) -> None:
        self.cache = cache
        self.mask = mask

    @property
    def rows(self) -> int:
        return self.mask.shape[0]

    @property
    def columns(self) -> int:
        return self.mask.shape[1]

    def grow_for_step(self) -> torch.Tensor:
        """Add the column the next decode step writes; returns the mask to pass to the model."""
        ones = torch.ones((self.rows, 1), dtype=self.mask.dtype, device=self.mask.device)
        self.mask = torch.cat([self.mask, ones], dim=1)
        return self.mask

    def keep_rows(self, indices: Sequence[int]) -> None:
        """Drop every row not in ``indices`` (finished or cancelled), then any all-padding columns."""
        index = torch.tensor(list(indices), dtype=torch.long, device=self.mask.device)
        self.mask = self.mask.index_select(0, index)
        for layer in self._layers():
            layer.keys = layer.keys.index_select(0, index)
            layer.values = layer.values.index_select(0, index)
        self._drop_leading_padding()

    def merge(self, other: KvBatch) -> None:
        """Append the rows of ``other`` (a fresh prefill) after this batch's rows."""
        width = max(self.columns, other.columns)
        self._pad_left(width)
        other._pad_left(width)
        self.mask = torch.cat([self.mask, other.mask], dim=0)
        for mine, theirs in zip(self._layers(), other._layers(), strict=True):
            mine.keys = torch.cat([mine.keys, theirs.keys], dim=0)
            mine.values = torch.cat([mine.values, theirs.values], dim=0)

    def _pad_left(self, width: int) -> None:
        extra = width - self.columns
        if extra <= 0:
            return
        self.mask = torch.nn.functional.pad(self.mask, (extra, 0))
        for layer in self._layers():
            # keys/values are [rows, heads, columns, head_dim]: pad dim 2 on the left.
            layer.keys = torch.nn.functional.pad(layer.keys, (0, 0, extra, 0))
            layer.values = torch.nn.functional.pad(layer.values, (0, 0, extra, 0))

    def _drop_leading_padding(self) -> None:
        if self.rows == 0:
            return
        used = self.mask.any(dim=0)
        first = int(used.nonzero()[0]) if bool(used.any()) else self.columns
        if first == 0:
            return
        self.mask = self.mask[:, first:]
        for layer in self._layers():
            layer.keys = layer.keys[:, :, first:]
            layer.values = layer.values[:, :, first:]

    def _layers(self) -> list[Any]:
        # Layers a model never filled (KV sharing) have no tensors to move.
        return [layer for layer in self.cache.layers if getattr(layer, "keys", None) is not None]
