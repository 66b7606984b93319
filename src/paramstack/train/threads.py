"""How many CPU threads a training run should use: measured, because the wrong number costs 10-20x.

On a shared machine, torch's default (one OpenMP thread per core) oversubscribes the CPU: spinning OpenMP
workers fight other processes and one LoRA step went from 0.28 s (1 thread) to 5 s (2 threads) on a
2-core machine with a load average of 8. So, unless the caller says otherwise, use only the cores that
are idle right now (cores minus the 1-minute load average), at least one.
"""

from __future__ import annotations

import os


def configure_threads(requested: int | None = None) -> int:
    """Set torch's intra-op thread count (process-wide) and return it."""
    import torch

    threads = requested if requested and requested > 0 else idle_cores()
    torch.set_num_threads(threads)
    return threads


def idle_cores() -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        busy = os.getloadavg()[0]
    except OSError:  # not available on this platform
        return cores
    return max(1, min(cores, int(cores - busy + 0.5)))
