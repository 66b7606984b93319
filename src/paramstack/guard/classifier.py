"""A small text classifier paramstack trains itself: hashed character n-grams + logistic regression.

Why this and not sentence embeddings: the only offline embedding model at hand (all-MiniLM-L6-v2) is
English-only and costs ~10 ms per sentence on this CPU; character n-grams of the normalised text work
for Turkish and English alike, survive typos and agglutination ("talimatlarını", "talimatları"), and
score 2 KB in a fraction of a millisecond because everything is vectorised numpy.

Model: the features of a text (or of one scoring window) are the *distinct* hashed n-gram buckets it
contains, as a binary vector scaled to unit L2 norm, ``x[b] = 1 / sqrt(d)`` for each of the d distinct
buckets; the logit is ``bias + sum(weight[b] for the distinct b) / sqrt(d)``. Binary unit-norm features
make the score length- and repetition-robust: repeating text adds no n-gram it did not already have, so
"inininin...", "hahaha", "!!!!!!", a table or a looping answer scores like a few copies of its repeating
unit however many there are (a window sees each distinct n-gram once), and the logit is bounded by
``|bias| + sqrt(d) * max|weight|`` whatever the text's length. (The first version divided raw n-gram
*counts* by the square root of their total, which is the L2 norm only when every n-gram is distinct: a
repeated n-gram contributed ``weight * N / sqrt(N) = weight * sqrt(N)``, so repetition
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
occurrences come from one sort of ``(bucket, position)`` keys). The weight-independent part (features, or
the ``WindowIndex``) is shared through the ``shared`` dict a guard evaluation passes to both the jailbreak and
the toxicity classifier, which hash alike, so a request's text is hashed and sorted once.
On this CPU, 2 KB costs ~0.14 ms of CPU for one classifier and ~0.19 ms for both (the count-based first
version: ~0.065 and ~0.13 ms); texts are indexed in segments so that memory stays bounded.

The feature scheme is recorded in the weights file (``features``, ``min_features``); a file trained with
another scheme is refused at load rather than silently mis-scored.

Weights are stored as safetensors (float16, 2**bits buckets; 128 KB at 16 bits), written and read here
with numpy alone so that serving needs no ML framework.
"""

from __future__ import annotations

import functools
import json
import math
import struct
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from paramstack.errors import ConfigurationError

_MULTIPLIER = 1_000_003
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MASK64 = (1 << 64) - 1
# The feature scheme written into (and required of) every weights file; change it when features change.
FEATURES = "distinct-ngrams-l2"
MIN_FEATURES = 32
# Long texts are indexed in segments of this many window starts: arrays stay cache-sized, keys fit int32,
# and memory stays bounded (~1.5 MB per segment) however long the text.
_SEGMENT = 8_192


def padded_codes(text: str) -> np.ndarray:
    """The code points of the text with one space either side (n-grams see word starts and ends)."""
    return np.frombuffer((" " + text + " ").encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


def hash_ngrams(codes: np.ndarray, sizes: tuple[int, ...], bits: int) -> list[np.ndarray]:
    """Bucket index of every n-gram of ``codes``, one array per size (index = start position).

    The hash of an n-gram is ``n * M**n + sum(code[k] * M**(n-1-k))`` (mod 2**64), then a multiplicative
    hash to ``bits`` bits. The sum part is built up one size at a time (each size is one multiply-add on
    the previous one), and the final hash runs once over all sizes' n-grams in one buffer: on the short
    texts most requests are, numpy's per-call overhead, not the arithmetic, is the cost."""
    plan = _hash_plan(tuple(sizes), bits)
    length = len(codes)
    counts = [max(length - n + 1, 0) for n in plan.sizes]
    hashed = np.empty(sum(counts), dtype=np.uint64)
    body, body_size = codes, 1  # body[i] = sum(code[i + k] * M**(body_size-1-k)) for k < body_size
    offset = 0
    for n, count, size_term in zip(plan.sizes, counts, plan.size_terms, strict=True):
        if count == 0:
            continue
        while body_size < n:
            body = body[: length - body_size] * plan.multiplier
            body += codes[body_size:]
            body_size += 1
        np.add(body[:count], size_term, out=hashed[offset : offset + count])
        offset += count
    hashed *= plan.golden
    hashed >>= plan.shift
    by_size, offset = {}, 0
    for n, count in zip(plan.sizes, counts, strict=True):
        by_size[n] = hashed[offset : offset + count].view(np.int64)  # < 2**bits: the same values, no copy
        offset += count
    return [by_size[n] for n in sizes]


@dataclass(frozen=True)
class _HashPlan:
    sizes: tuple[int, ...]  # distinct, ascending
    size_terms: tuple[np.uint64, ...]  # n * M**n mod 2**64, per size
    multiplier: np.uint64
    golden: np.uint64
    shift: np.uint64


@functools.cache
def _hash_plan(sizes: tuple[int, ...], bits: int) -> _HashPlan:
    ordered = tuple(sorted(set(sizes)))
    return _HashPlan(
        ordered,
        tuple(np.uint64(n * pow(_MULTIPLIER, n, 1 << 64) & _MASK64) for n in ordered),
        np.uint64(_MULTIPLIER),
        _GOLDEN,
        np.uint64(64 - bits),
    )


def ngram_buckets(text: str, sizes: tuple[int, ...], bits: int) -> list[np.ndarray]:
    """Bucket index of every n-gram of the padded text, one array per size (index = start position)."""
    return hash_ngrams(padded_codes(text), sizes, bits)


def distinct_features(buckets: list[np.ndarray], min_features: int = MIN_FEATURES) -> tuple[np.ndarray, float]:
    """The feature vector of a set of n-gram occurrences: the distinct buckets (sorted), each with the value
    ``scale = 1 / sqrt(max(number of distinct buckets, min_features))`` (a unit, or shorter, binary vector)."""
    distinct = np.concatenate(buckets)
    distinct.sort()  # then keep the first of each run: np.unique's general machinery costs more on short texts
    if len(distinct) > 1:
        distinct = distinct[np.concatenate(([True], distinct[1:] != distinct[:-1]))]
    return distinct, 1.0 / np.sqrt(max(len(distinct), min_features, 1))


def text_features(
    text: str, sizes: tuple[int, ...], bits: int, min_features: int = MIN_FEATURES
) -> tuple[np.ndarray, float]:
    """The features of a whole text: what training uses for every example and scoring for short texts;
    ``window_scores`` computes exactly the same for every window of a long text at once."""
    return distinct_features(ngram_buckets(text, sizes, bits), min_features)


@dataclass(frozen=True)
class WindowIndex:
    """Everything about a run of scoring windows that does not depend on the weights (so the jailbreak and
    toxicity classifiers, which hash alike, share it). Window s holds the n-grams starting at positions
    s .. s + window - 1 of the codes it was built from, for s = 0 .. starts - 1."""

    bucket: np.ndarray  # bucket of every n-gram occurrence, sorted by bucket, then position
    low: np.ndarray  # that occurrence is the first of its bucket in the windows starting in [low, high)
    high: np.ndarray
    scale: np.ndarray  # per window: 1 / sqrt(max(distinct buckets in it, min_features))
    starts: int


def window_index(
    text: str, sizes: tuple[int, ...], bits: int, window: int, min_features: int = MIN_FEATURES
) -> tuple[WindowIndex, ...]:
    """The windows of a text (padded; window s starts at padded position s), in segments of ``_SEGMENT``
    consecutive windows, each built from just the codes its windows reach."""
    codes = padded_codes(text)
    total = max(len(codes) - window + 1, 1)
    reach = window + max(sizes) - 2  # codes past a window's start that its n-grams read
    return tuple(
        _index_segment(
            codes[start : min(start + _SEGMENT + reach, len(codes))],
            sizes,
            bits,
            window,
            min_features,
            min(_SEGMENT, total - start),
        )
        for start in range(0, total, _SEGMENT)
    )


def _index_segment(
    codes: np.ndarray, sizes: tuple[int, ...], bits: int, window: int, min_features: int, starts: int
) -> WindowIndex:
    """One sort of the occurrences by ``(bucket, position)`` (packed into one integer key) puts each right
    after the previous occurrence of its bucket; from that, the range of windows in which it is the first
    of its kind, and the number of distinct buckets in every window."""
    buckets = hash_ngrams(codes, sizes, bits)
    bucket, low = _by_bucket_then_position(buckets, bits) if bits <= 16 else _by_packed_key(buckets, bits)
    high = low + 1  # an occurrence at position p lies in the windows starting in [p - window + 1, p] ...
    low -= window - 1
    # ... and is the first of its bucket in those that also start after the previous occurrence of that
    # bucket (the one just before it in key order, if it has the same bucket).
    np.maximum(low[1:], high[:-1] * (bucket[1:] == bucket[:-1]), out=low[1:])
    low[0] = max(low[0], 0)  # the others are >= 0 already
    np.minimum(low, starts, out=low)
    np.minimum(high, starts, out=high)
    counts = np.bincount(low, minlength=starts + 1)
    counts -= np.bincount(high, minlength=starts + 1)
    scale = 1.0 / np.sqrt(np.maximum(np.cumsum(counts[:starts]), max(min_features, 1)))
    for array in (bucket, low, high, scale):
        array.flags.writeable = False  # shared between classifiers
    return WindowIndex(bucket, low, high, scale, starts)


def _by_bucket_then_position(buckets: list[np.ndarray], bits: int) -> tuple[np.ndarray, np.ndarray]:
    """The occurrences (bucket, position), sorted by bucket then position, for buckets of <= 16 bits: laid
    out position-major (every size at position 0, then at 1, ...), one stable sort by the 16-bit bucket
    (numpy's radix sort, linear) leaves each bucket's occurrences in position order."""
    shortest = min(len(b) for b in buckets)
    flat = np.stack([b[:shortest] for b in buckets], axis=1).ravel()
    positions = np.repeat(np.arange(shortest, dtype=np.intp), len(buckets))
    tail = [(p, b[p]) for p in range(shortest, max(len(b) for b in buckets)) for b in buckets if p < len(b)]
    if tail:  # the last positions, where only the shorter n-grams still fit
        flat = np.concatenate((flat, np.array([value for _, value in tail], dtype=flat.dtype)))
        positions = np.concatenate((positions, np.array([p for p, _ in tail], dtype=np.intp)))
    order = np.argsort(flat.astype(np.uint16), kind="stable")
    return flat[order].astype(np.intp), positions[order]


def _by_packed_key(buckets: list[np.ndarray], bits: int) -> tuple[np.ndarray, np.ndarray]:
    """The same order for wider buckets: one sort of ``bucket << shift | position`` keys."""
    length = max(len(b) for b in buckets)
    shift = length.bit_length()
    key_type = np.int32 if bits + shift <= 31 else np.int64  # int32 keys sort twice as fast
    keys = np.empty(sum(len(b) for b in buckets), dtype=key_type)
    span = np.arange(length, dtype=key_type)
    offset = 0
    for b in buckets:  # key = bucket << shift | position
        part = keys[offset : offset + len(b)]
        np.left_shift(b, shift, out=part, casting="unsafe")
        np.bitwise_or(part, span[: len(b)], out=part)
        offset += len(b)
    keys.sort()
    bucket = np.right_shift(keys, shift, dtype=np.intp)  # native indices from here on: every bincount and
    low = np.bitwise_and(keys, (1 << shift) - 1, dtype=np.intp)  # gather (also per classifier) takes them
    return bucket, low


def window_scores(index: WindowIndex, weights: np.ndarray) -> np.ndarray:
    """``sum(weights[distinct buckets]) / sqrt(max(number of distinct buckets, min_features))`` for every
    window: equal to ``distinct_features`` applied to each window's n-grams, for all windows in O(n)."""
    value = weights[index.bucket].astype(np.float64)
    ends = index.starts + 1
    difference = np.bincount(index.low, value, ends)
    difference -= np.bincount(index.high, value, ends)
    scores = np.cumsum(difference[: index.starts])
    scores *= index.scale
    return scores


@dataclass(frozen=True)
class WindowScore:
    probability: float
    start: int  # span of the best window in the (normalised) text that was scored
    end: int


class NgramClassifier:
    """Logistic regression over hashed character n-grams; ``score`` returns the best window."""

    def __init__(
        self,
        weights: np.ndarray,
        bias: float,
        sizes: tuple[int, ...],
        window: int,
        metadata: dict[str, str] | None = None,
        min_features: int = MIN_FEATURES,
    ) -> None:
        self.weights = weights.astype(np.float32)
        self.bias = float(bias)
        self.sizes = tuple(sizes)
        self.bits = int(np.log2(len(weights)))
        self.window = window
        self.min_features = min_features
        self.metadata = metadata or {}

    def score(self, text: str, shared: dict[Hashable, Any] | None = None) -> WindowScore:
        """The best window's probability. ``shared``: what was computed from this same text for another
        classifier that hashes alike (the jailbreak and toxicity checks of one guard evaluation pass the
        same dict), reused instead of hashed again; the hashing and sorting are most of the cost."""
        if len(text) + 2 <= self.window:  # padded length
            distinct, scale = _computed(
                shared,
                ("features", text, self.sizes, self.bits, self.min_features),
                lambda: text_features(text, self.sizes, self.bits, self.min_features),
            )
            logit = self.bias + float(self.weights[distinct].sum(dtype=np.float64)) * scale
            return WindowScore(_sigmoid(logit), 0, len(text))
        segments = _computed(
            shared,
            ("windows", text, self.sizes, self.bits, self.window, self.min_features),
            lambda: window_index(text, self.sizes, self.bits, self.window, self.min_features),
        )
        means = np.concatenate([window_scores(segment, self.weights) for segment in segments])
        best = int(np.argmax(means))
        start = max(best - 1, 0)  # undo the padding space
        return WindowScore(_sigmoid(self.bias + float(means[best])), start, min(start + self.window, len(text)))

    def save(self, path: Path) -> None:
        metadata = dict(self.metadata) | {
            "sizes": ",".join(map(str, self.sizes)),
            "window": str(self.window),
            "features": FEATURES,
            "min_features": str(self.min_features),
        }
        save_safetensors(
            path,
            {"weights": self.weights.astype(np.float16), "bias": np.array([self.bias], dtype=np.float32)},
            metadata,
        )

    @classmethod
    def load(cls, path: Path) -> NgramClassifier:
        tensors, metadata = load_safetensors(path)
        if metadata.get("features") != FEATURES:
            scheme = metadata.get("features", "n-gram counts")
            raise ConfigurationError(
                f"classifier weights {path}: trained with feature scheme {scheme!r}, this "
                f"version scores with {FEATURES!r}; retrain them with `paramstack guard train`"
            )
        try:
            sizes = tuple(int(n) for n in metadata["sizes"].split(","))
            return cls(
                tensors["weights"],
                float(tensors["bias"][0]),
                sizes,
                int(metadata["window"]),
                metadata,
                int(metadata["min_features"]),
            )
        except (KeyError, ValueError, IndexError) as error:
            raise ConfigurationError(f"classifier weights {path}: missing or bad field {error}") from None


def _computed(shared: dict[Hashable, Any] | None, key: Hashable, compute: Callable[[], Any]) -> Any:
    if shared is None:
        return compute()
    if key not in shared:
        shared[key] = compute()
    return shared[key]


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-min(max(x, -50.0), 50.0)))  # math, not numpy: a scalar, called per request


def train_classifier(
    texts: list[str],
    labels: list[int],
    *,
    sizes: tuple[int, ...] = (2, 3, 4, 5),
    bits: int = 16,
    window: int = 120,
    steps: int = 400,
    learning_rate: float = 0.05,
    l2: float = 1e-5,
    min_features: int = MIN_FEATURES,
) -> NgramClassifier:
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
        header[name] = {
            "dtype": dtypes[array.dtype],
            "shape": list(array.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)
    encoded = json.dumps(header, sort_keys=True).encode()
    encoded += b" " * (-len(encoded) % 8)
    path.write_bytes(struct.pack("<Q", len(encoded)) + encoded + b"".join(blobs))


def load_safetensors(path: Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    raw = path.read_bytes()
    try:
        (size,) = struct.unpack("<Q", raw[:8])
        header = json.loads(raw[8 : 8 + size])
        dtypes: dict[str, np.dtype[Any]] = {"F16": np.dtype("<f2"), "F32": np.dtype("<f4")}
        base = 8 + size
        tensors = {}
        for name, info in header.items():
            if name == "__metadata__":
                continue
            start, end = info["data_offsets"]
            tensors[name] = np.frombuffer(raw[base + start : base + end], dtype=dtypes[info["dtype"]]).reshape(
                info["shape"]
            )
        return tensors, dict(header.get("__metadata__", {}))
    except (struct.error, ValueError, KeyError, TypeError) as error:
        raise ConfigurationError(f"classifier weights {path}: not a readable safetensors file ({error})") from None
