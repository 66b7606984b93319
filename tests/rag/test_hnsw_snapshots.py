"""The in-process HNSW index: restored from its snapshot by the next process, synced by set difference."""

from __future__ import annotations

import numpy as np

from paramstack.rag.stores.hnsw import SNAPSHOT_AFTER_ADDS, HnswIndexes


class Database:
    """The two loaders a store hands the index: chunk ids, and vectors by id (counting what was read)."""

    def __init__(self, n: int, dims: int = 8) -> None:
        rng = np.random.default_rng(0)
        vectors = rng.standard_normal((n, dims)).astype(np.float32)
        self.vectors = {i + 1: v / np.linalg.norm(v) for i, v in enumerate(vectors)}
        self.generation = 1
        self.vectors_read = 0

    def ids(self) -> np.ndarray:
        return np.array(sorted(self.vectors), dtype=np.int64)

    def load(self, ids: np.ndarray):
        self.vectors_read += len(ids)
        yield ids, np.stack([self.vectors[int(i)] for i in ids]) if len(ids) else np.zeros((0, 8), np.float32)

    def search(self, indexes: HnswIndexes, chunk_id: int, k: int = 3) -> list[int]:
        found = indexes.search(7, 8, self.vectors[chunk_id], k, lambda: self.generation, self.ids, self.load)
        return [c.chunk_id for c in found]


def test_a_new_process_restores_the_snapshot_and_reads_only_new_vectors(tmp_path):
    database = Database(SNAPSHOT_AFTER_ADDS + 100)
    first = HnswIndexes(tmp_path, "db1")
    assert database.search(first, 5)[0] == 5
    assert database.vectors_read == SNAPSHOT_AFTER_ADDS + 100
    assert list(tmp_path.glob("db1-7.usearch"))

    # Another process: one chunk replaced by a new one since the snapshot.
    del database.vectors[5]
    database.vectors[99_999] = database.vectors[6] * -1
    database.generation += 1
    database.vectors_read = 0
    second = HnswIndexes(tmp_path, "db1")
    assert 5 not in database.search(second, 6, k=10)
    assert database.search(second, 99_999)[0] == 99_999
    assert database.vectors_read == 1  # the snapshot held the rest

    second.forget(7)
    assert not list(tmp_path.glob("db1-7.usearch"))


def test_unchanged_generation_reads_nothing(tmp_path):
    database = Database(50)
    indexes = HnswIndexes(None, "db1")
    database.search(indexes, 1)
    database.vectors_read = 0
    database.search(indexes, 2)
    assert database.vectors_read == 0
