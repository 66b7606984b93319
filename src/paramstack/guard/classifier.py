"""A small text classifier paramstack trains itself: hashed character n-grams + logistic regression.

Why this and not sentence embeddings: the only offline embedding model at hand (all-MiniLM-L6-v2) is
English-only and costs ~10 ms per sentence on this CPU; character n-grams of the normalised text work
for Turkish and English alike, survive typos and agglutination ("talimatlarını", "talimatları"), and
score 2 KB in tens of microseconds because everything is one vectorised numpy pass.

Model: the features of a text are its n-gram counts divided by the square root of their total (the L2
norm when n-grams are distinct, which keeps scores comparable across lengths and, unlike dividing by
the total, leaves the logits room to be confident); the logit is
``bias + sum(weight[hash(ngram)]) / sqrt(number of n-grams)``. Long texts are scored by the best
sliding window of ``window`` characters, so one injected sentence in a long benign prompt is not
averaged away; the window's span is reported as the finding.

Weights are stored as safetensors (float16, 2**bits buckets; 128 KB at 16 bits), written and read here
with numpy alone so that serving needs no ML framework.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from paramstack.errors import ConfigurationError

_MULTIPLIER = np.uint64(1_000_003)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def ngram_buckets(text: str, sizes: tuple[int, ...], bits: int) -> list[np.ndarray]:
    """Bucket index of every n-gram of the padded text, one array per size (index = start position)."""
    codes = np.frombuffer((" " + text + " ").encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    shift = np.uint64(64 - bits)
    out: list[np.ndarray] = []
    for n in sizes:
        count = len(codes) - n + 1
        if count <= 0:
            out.append(np.zeros(0, dtype=np.int64))
            continue
        hashed = np.full(count, np.uint64(n), dtype=np.uint64)
        for k in range(n):
            hashed = hashed * _MULTIPLIER + codes[k:k + count]
        out.append(((hashed * _GOLDEN) >> shift).astype(np.int64))
    return out


@dataclass(frozen=True)
class WindowScore:
    probability: float
    start: int  # span of the best window in the (normalised) text that was scored
    end: int


class NgramClassifier:
    """Logistic regression over hashed character n-grams; ``score`` returns the best window."""

    def __init__(self, weights: np.ndarray, bias: float, sizes: tuple[int, ...], window: int,
                 metadata: dict[str, str] | None = None) -> None:
        self.weights = weights.astype(np.float32)
        self.bias = float(bias)
        self.sizes = sizes
        self.bits = int(np.log2(len(weights)))
        self.window = window
        self.metadata = metadata or {}

    def score(self, text: str) -> WindowScore:
        buckets = ngram_buckets(text, self.sizes, self.bits)
        length = len(text) + 2  # padded
        contribution = np.zeros(length, dtype=np.float64)
        counts = np.zeros(length, dtype=np.float64)
        for idx in buckets:
            contribution[:len(idx)] += self.weights[idx]
            counts[:len(idx)] += 1.0
        if length <= self.window:
            total = counts.sum()
            mean = contribution.sum() / np.sqrt(total) if total else 0.0
            return WindowScore(_sigmoid(self.bias + mean), 0, len(text))
        sums = np.concatenate(([0.0], np.cumsum(contribution)))
        totals = np.concatenate(([0.0], np.cumsum(counts)))
        window_means = (sums[self.window:] - sums[:-self.window]) / np.sqrt(np.maximum(
            totals[self.window:] - totals[:-self.window], 1.0))
        best = int(np.argmax(window_means))
        start = max(best - 1, 0)  # undo the padding space
        return WindowScore(_sigmoid(self.bias + float(window_means[best])), start,
                           min(start + self.window, len(text)))

    def save(self, path: Path) -> None:
        metadata = dict(self.metadata) | {"sizes": ",".join(map(str, self.sizes)), "window": str(self.window)}
        save_safetensors(path, {"weights": self.weights.astype(np.float16),
                                "bias": np.array([self.bias], dtype=np.float32)}, metadata)

    @classmethod
    def load(cls, path: Path) -> NgramClassifier:
        tensors, metadata = load_safetensors(path)
        try:
            sizes = tuple(int(n) for n in metadata["sizes"].split(","))
            return cls(tensors["weights"], float(tensors["bias"][0]), sizes, int(metadata["window"]), metadata)
        except (KeyError, ValueError, IndexError) as error:
            raise ConfigurationError(f"classifier weights {path}: missing or bad field {error}") from None


def _sigmoid(x: float) -> float:
    return float(1.0 / (1.0 + np.exp(-np.clip(x, -50.0, 50.0))))


def train_classifier(texts: list[str], labels: list[int], *, sizes: tuple[int, ...] = (2, 3, 4, 5),
                     bits: int = 16, window: int = 120, steps: int = 400, learning_rate: float = 0.1,
                     l2: float = 1e-4) -> NgramClassifier:
    """Full-batch Adam on the logistic loss, classes weighted to balance; deterministic (starts at 0)."""
    indices, example_ids, values = [], [], []
    for i, text in enumerate(texts):
        buckets = np.concatenate(ngram_buckets(text, sizes, bits))
        indices.append(buckets)
        example_ids.append(np.full(len(buckets), i, dtype=np.int64))
        values.append(np.full(len(buckets), 1.0 / np.sqrt(max(len(buckets), 1))))
    idx, ex, val = np.concatenate(indices), np.concatenate(example_ids), np.concatenate(values)
    y = np.asarray(labels, dtype=np.float64)
    positives = max(y.sum(), 1.0)
    class_weight = np.where(y == 1, len(y) / (2 * positives), len(y) / (2 * max(len(y) - positives, 1.0)))
    dim = 1 << bits
    w, b = np.zeros(dim), 0.0
    m_w, v_w, m_b, v_b = np.zeros(dim), np.zeros(dim), 0.0, 0.0
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for step in range(1, steps + 1):
        z = b + np.bincount(ex, weights=w[idx] * val, minlength=len(y))
        p = 1.0 / (1.0 + np.exp(-z))
        g = (p - y) * class_weight / len(y)
        grad_w = np.bincount(idx, weights=g[ex] * val, minlength=dim) + 2 * l2 * w
        grad_b = float(g.sum())
        m_w = beta1 * m_w + (1 - beta1) * grad_w
        v_w = beta2 * v_w + (1 - beta2) * grad_w**2
        m_b = beta1 * m_b + (1 - beta1) * grad_b
        v_b = beta2 * v_b + (1 - beta2) * grad_b**2
        correction1, correction2 = 1 - beta1**step, 1 - beta2**step
        w -= learning_rate * (m_w / correction1) / (np.sqrt(v_w / correction2) + eps)
        b -= learning_rate * (m_b / correction1) / (np.sqrt(v_b / correction2) + eps)
    return NgramClassifier(w.astype(np.float32), b, sizes, window)


def save_safetensors(path: Path, tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> None:
    """Write the safetensors format (8-byte header length, JSON header, raw little-endian data)."""
    dtypes = {np.dtype(np.float16): "F16", np.dtype(np.float32): "F32"}
    header: dict[str, object] = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name, array in tensors.items():
        data = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtypes[array.dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    encoded = json.dumps(header, sort_keys=True).encode()
    encoded += b" " * (-len(encoded) % 8)
    path.write_bytes(struct.pack("<Q", len(encoded)) + encoded + b"".join(blobs))


def load_safetensors(path: Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    raw = path.read_bytes()
    try:
        (size,) = struct.unpack("<Q", raw[:8])
        header = json.loads(raw[8:8 + size])
        dtypes = {"F16": np.dtype("<f2"), "F32": np.dtype("<f4")}
        base = 8 + size
        tensors = {}
        for name, info in header.items():
            if name == "__metadata__":
                continue
            start, end = info["data_offsets"]
            tensors[name] = np.frombuffer(raw[base + start:base + end], dtype=dtypes[info["dtype"]]).reshape(
                info["shape"])
        return tensors, dict(header.get("__metadata__", {}))
    except (struct.error, ValueError, KeyError, TypeError) as error:
        raise ConfigurationError(f"classifier weights {path}: not a readable safetensors file ({error})") from None
