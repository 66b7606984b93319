"""Counters of the local engine's worker thread."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class EngineStats:
    """Counters of the worker, for tests, benchmarks and metrics (``stats()`` hands out copies)."""

    prefill_batches: int = 0
    decode_steps: int = 0
    batched_decode_steps: int = 0  # steps that computed two rows or more
    mixed_adapter_steps: int = 0  # steps whose rows used two adapters or more ("__base__" counts)
    max_batch_size_observed: int = 0
    tokens_generated: int = 0
    rows_finished: int = 0
    rows_cancelled: int = 0
    rows_failed: int = 0
    active_rows: int = 0
    waiting_rows: int = 0
