"""A small text classifier paramstack trains itself: hashed character n-grams + logistic regression.

Why this and not sentence embeddings: the only offline embedding model at hand (all-MiniLM-L6-v2) is
English-only and costs ~10 ms per sentence on this CPU; character n-grams of the normalised text work
for Turkish and English alike, survive typos and agglutination ("talimatlarını", "talimatları"), and
score 2 KB in tens of microseconds because everything is one vectorised numpy pass.

Model: the features of a text (or of one scoring window) are the *distinct* hashed n-gram buckets it
contains, as a binary vector scaled to unit L2 norm, ``x[b] = 1 / sqrt(d)`` for each of the d distinct
buckets; the logit is ``bias + sum(weight[b] for the distinct b) / sqrt(d)``. Binary unit-norm features
make the score length- and repetition-robust: repeating text adds no n-gram it did not already have, so
"inininin...", "hahaha", "!!!!!!", a table or a looping answer scores like one copy of its repeating unit,
and the logit is bounded by ``|bias| + sqrt(d) * max|weight|`` whatever the text's length. (The first
version divided raw n-gram *counts* by the square root of their total, which is the L2 norm only when every
n-gram is distinct: a repeated n-gram contributed ``weight * N / sqrt(N) = weight * sqrt(N)``, so repetition
inflated logits without bound and innocent repetitive outputs were blocked.)

Evidence floor: a text or window with fewer than ``min_features`` distinct n-grams (32 by default, i.e.
shorter than about 8 characters, or a repetition of a tiny unit like "inin...") is normalised as if it had
``min_features`` of them, the rest weighing nothing. So little evidence moves the score only a little
from the prior, instead of a handful of hash buckets (often shared with Turkish suffixes like "-in",
"-nin") deciding alone. Texts of ordinary length are unaffected.

``text_features`` is the one feature function: training calls it on each example, short texts are scored
with it, and ``window_scores`` computes exactly the same quantity for every window of a long text.
Long texts are scored by the best sliding window of ``window`` characters, so one injected sentence in a
long benign prompt is not averaged away; the window's span is reported as the finding. All windows are
scored in one vectorised pass: an occurrence of bucket b at position i is the first of its kind in
exactly the windows that start after b's previous occurrence and no later than i, so each occurrence adds
its weight to one contiguous range of window starts (a difference array, then a cumulative sum; previous
occurrences come from one sort of ``bucket * length + position`` keys).

The feature scheme is recorded in the weights file (``features``, ``min_features``); a file trained with
another scheme is refused at load rather than silently mis-scored.

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
# The feature scheme written into (and required of) every weights file; bump when features change.
FEATURES = "distinct-ngrams-l2"
MIN_FEATURES = 32


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


def text_features(text: str, sizes: tuple[int, ...], bits: int,
                  min_features: int = MIN_FEATURES) -> tuple[np.ndarray, float]:
    """The feature vector of a text: its distinct n-gram buckets (sorted), each with the value ``scale``.

    ``scale = 1 / sqrt(max(number of distinct buckets, min_features))``: the binary vector has unit length
    (at most), so neither length nor repetition moves the logit. Training and short-text scoring call this;
    ``window_scores`` computes exactly the same quantity for every window of a long text at once."""
    distinct = np.unique(np.concatenate(ngram_buckets(text, sizes, bits)))
    return distinct, 1.0 / np.sqrt(max(len(distinct), min_features, 1))


def window_scores(buckets: list[np.ndarray], weights: np.ndarray, window: int, length: int,
                  min_features: int = MIN_FEATURES) -> np.ndarray:
    """``sum(weights[distinct buckets]) / sqrt(max(number of distinct buckets, min_features))`` for every
    window of ``window`` start positions (window s holds the n-grams starting at s .. s + window - 1), for
    s = 0 .. length - window, where ``buckets`` is ``ngram_buckets`` of a text of padded ``length``.

    Equal to ``text_features`` applied to each window's n-grams, in O(n log n) for all windows together."""
    starts = length - window + 1
    positions = np.concatenate([np.arange(len(idx), dtype=np.int64) for idx in buckets])
    keys = np.sort(np.concatenate(buckets) * length + positions)  # by bucket, then position
    bucket, position = keys // length, keys % length
    previous = np.full(len(keys), -1, dtype=np.int64)  # previous occurrence of the same bucket, -1 if none
    repeat = np.flatnonzero(bucket[1:] == bucket[:-1]) + 1
    previous[repeat] = position[repeat - 1]
    # This occurrence is the first of its bucket in windows starting in [low, high).
    low = np.minimum(np.maximum(np.maximum(previous + 1, position - window + 1), 0), starts)
    high = np.minimum(position + 1, starts)
    value = weights[bucket].astype(np.float64)
    sums = np.cumsum(np.bincount(low, value, starts + 1) - np.bincount(high, value, starts + 1))[:starts]
    counts = np.cumsum(np.bincount(low, minlength=starts + 1) - np.bincount(high, minlength=starts + 1))[:starts]
    return sums / np.sqrt(np.maximum(counts, max(min_features, 1)))


@dataclass(frozen=True)
class WindowScore:
    probability: float
    start: int  # span of the best window in the (normalised) text that was scored
    end: int


class NgramClassifier:
    """Logistic regression over hashed character n-grams; ``score`` returns the best window."""

    def __init__(self, weights: np.ndarray, bias: float, sizes: tuple[int, ...], window: int,
                 metadata: dict[str, str] | None = None, min_features: int = MIN_FEATURES) -> None:
        self.weights = weights.astype(np.float32)
        self.bias = float(bias)
        self.sizes = sizes
        self.bits = int(np.log2(len(weights)))
        self.window = window
        self.min_features = min_features
        self.metadata = metadata or {}

    def score(self, text: str) -> WindowScore:
        length = len(text) + 2  # padded
        if length <= self.window:
            distinct, scale = text_features(text, self.sizes, self.bits, self.min_features)
            logit = self.bias + float(self.weights[distinct].sum(dtype=np.float64)) * scale
            return WindowScore(_sigmoid(logit), 0, len(text))
        means = window_scores(ngram_buckets(text, self.sizes, self.bits), self.weights, self.window, length,
                              self.min_features)
        best = int(np.argmax(means))
        start = max(best - 1, 0)  # undo the padding space
        return WindowScore(_sigmoid(self.bias + float(means[best])), start, min(start + self.window, len(text)))

    def save(self, path: Path) -> None:
        metadata = dict(self.metadata) | {"sizes": ",".join(map(str, self.sizes)), "window": str(self.window),
                                          "features": FEATURES, "min_features": str(self.min_features)}
        save_safetensors(path, {"weights": self.weights.astype(np.float16),
                                "bias": np.array([self.bias], dtype=np.float32)}, metadata)

    @classmethod
    def load(cls, path: Path) -> NgramClassifier:
        tensors, metadata = load_safetensors(path)
        if metadata.get("features") != FEATURES:
            raise ConfigurationError(
                f"classifier weights {path}: trained with feature scheme {metadata.get('features', 'n-gram counts')!r}, "
                f"this version scores with {FEATURES!r}; retrain them with `paramstack guard train`")
        try:
            sizes = tuple(int(n) for n in metadata["sizes"].split(","))
            return cls(tensors["weights"], float(tensors["bias"][0]), sizes, int(metadata["window"]), metadata,
                       int(metadata["min_features"]))
        except (KeyError, ValueError, IndexError) as error:
            raise ConfigurationError(f"classifier weights {path}: missing or bad field {error}") from None


def _sigmoid(x: float) -> float:
    return float(1.0 / (1.0 + np.exp(-np.clip(x, -50.0, 50.0))))


def train_classifier(texts: list[str], labels: list[int], *, sizes: tuple[int, ...] = (2, 3, 4, 5),
                     bits: int = 16, window: int = 120, steps: int = 400, learning_rate: float = 0.05,
                     l2: float = 1e-5, min_features: int = MIN_FEATURES) -> NgramClassifier:
    """Full-batch Adam on the logistic loss, classes weighted to balance; deterministic (starts at 0)."""
    indices, example_ids, values = [], [], []
    for i, text in enumerate(texts):
        distinct, scale = text_features(text, sizes, bits, min_features)  # exactly what scoring uses
        indices.append(distinct)
        example_ids.append(np.full(len(distinct), i, dtype=np.int64))
        values.append(np.full(len(distinct), scale))
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
    return NgramClassifier(w.astype(np.float32), b, sizes, window, min_features=min_features)


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
