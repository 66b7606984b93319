"""In-process HNSW indexes (usearch), one per collection, derived from the database and never the truth.

The database holds every chunk's vector; an index here is a cache keyed by chunk id. Chunk ids are never
reused and a chunk's vector never changes (re-ingest writes new chunks), so syncing is a set difference:
add the ids the database has and the index lacks, remove the ones it no longer has. Every write bumps
the collection's ``generation``, so a search notices a change made by any process (the CLI, another
replica) with one cheap read, and pays for a sync only then.

Building 100K vectors takes tens of seconds on two cores, so an index is saved as a snapshot file after
big changes and restored (then synced) by the next process. Vectors are stored in the index as float16:
half the memory, and recall@10 stays above 0.99 in bench/rag.py.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from paramstack.rag.models import Candidate

if TYPE_CHECKING:
    from usearch.index import Index  # imported when the first index is built: usearch is not needed before

LOG = logging.getLogger("paramstack.rag")
CONNECTIVITY = 16  # HNSW M: the usual default; recall/latency are tuned with ef_search instead
EXPANSION_ADD = 64  # ef_construction: build time grows with it; 64 measured enough at 100K (bench/rag.py)
SNAPSHOT_AFTER_ADDS = 2000  # save a snapshot once this many vectors were added since the last one
LOAD_BATCH = 5000

SYNC_ATTEMPTS = 5
GenerationLoader = Callable[[], int | None]  # the collection's generation now (None: it was deleted)
IdsLoader = Callable[[], np.ndarray]  # every chunk id of the collection
VectorsLoader = Callable[[np.ndarray], Iterable[tuple[np.ndarray, np.ndarray]]]  # ids -> (ids, vectors) batches


@dataclass
class _CollectionIndex:
    index: Index
    keys: set[int] = field(default_factory=set)
    generation: int = -1
    removed: int = 0
    added_since_snapshot: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class HnswIndexes:
    def __init__(self, snapshot_dir: Path | None, namespace: str, ef_search: int = 128) -> None:
        self._snapshot_dir = snapshot_dir
        self._namespace = namespace  # which database these ids belong to (a digest of its URL)
        self._ef_search = ef_search
        self._indexes: dict[int, _CollectionIndex] = {}
        self._lock = threading.Lock()

    def search(
        self,
        collection_id: int,
        dims: int,
        vector: np.ndarray,
        k: int,
        load_generation: GenerationLoader,
        load_ids: IdsLoader,
        load_vectors: VectorsLoader,
    ) -> list[Candidate]:
        entry = self._entry(collection_id, dims)
        with entry.lock:
            for _ in range(SYNC_ATTEMPTS):
                generation = load_generation()
                if generation is None:  # the collection was deleted
                    return []
                if generation == entry.generation or self._sync(
                    entry, collection_id, generation, load_ids, load_vectors
                ):
                    break
            if not entry.keys:
                return []
            matches = entry.index.search(np.asarray(vector, dtype=np.float32), min(k, len(entry.keys)))
        return [
            Candidate(int(key), float(1.0 - distance))
            for key, distance in zip(matches.keys, matches.distances, strict=True)
        ]

    def forget(self, collection_id: int) -> None:
        """Drop a deleted collection's index and its snapshot."""
        with self._lock:
            self._indexes.pop(collection_id, None)
        path = self._snapshot_path(collection_id)
        if path is not None:
            path.unlink(missing_ok=True)

    # ----- internals -----------------------------------------------------------------------------------

    def _entry(self, collection_id: int, dims: int) -> _CollectionIndex:
        with self._lock:
            entry = self._indexes.get(collection_id)
            if entry is None:
                entry = self._restored(collection_id, dims) or _CollectionIndex(self._new_index(dims))
                self._indexes[collection_id] = entry
            return entry

    def _new_index(self, dims: int) -> Index:
        from usearch.index import Index

        return Index(
            ndim=dims,
            metric="cos",
            dtype="f16",
            connectivity=CONNECTIVITY,
            expansion_add=EXPANSION_ADD,
            expansion_search=self._ef_search,
        )

    def _sync(
        self,
        entry: _CollectionIndex,
        collection_id: int,
        generation: int,
        load_ids: IdsLoader,
        load_vectors: VectorsLoader,
    ) -> bool:
        """Make the index hold the database's chunks; False if a write got in the way (then sync again)."""
        current = load_ids()
        current_set = set(current.tolist())
        gone = entry.keys - current_set
        if gone and entry.removed + len(gone) > max(1000, len(current_set)):
            # Tombstones cost memory and search time: start over once they outnumber the live vectors.
            entry.index, entry.keys, entry.removed = self._new_index(entry.index.ndim), set(), 0
            gone = set()
        if gone:
            entry.index.remove(np.fromiter(gone, dtype=np.uint64, count=len(gone)))
            entry.keys -= gone
            entry.removed += len(gone)
        new = np.array(sorted(current_set - entry.keys), dtype=np.int64)
        added = 0
        for ids, vectors in load_vectors(new):
            entry.index.add(ids.astype(np.uint64), vectors.astype(np.float32))
            entry.keys.update(ids.tolist())
            added += len(ids)
        complete = added == len(new)  # else chunks were replaced while loading: the caller syncs again
        entry.generation = generation if complete else -1
        entry.added_since_snapshot += added
        if added or gone:
            LOG.debug("hnsw sync", extra={"collection_id": collection_id, "added": added, "removed": len(gone)})
        if complete and entry.added_since_snapshot >= SNAPSHOT_AFTER_ADDS:
            self._save(entry, collection_id)
        return complete

    def _snapshot_path(self, collection_id: int) -> Path | None:
        if self._snapshot_dir is None:
            return None
        return self._snapshot_dir / f"{self._namespace}-{collection_id}.usearch"

    def _save(self, entry: _CollectionIndex, collection_id: int) -> None:
        path = self._snapshot_path(collection_id)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
            entry.index.save(str(temporary))
            os.replace(temporary, path)  # readers see the old snapshot or the new one, never a torn file
            entry.added_since_snapshot = 0
        except OSError as error:  # a snapshot is an optimisation: never fail a search for it
            LOG.warning("could not save HNSW snapshot", extra={"path": str(path), "error": str(error)})

    def _restored(self, collection_id: int, dims: int) -> _CollectionIndex | None:
        path = self._snapshot_path(collection_id)
        if path is None or not path.is_file():
            return None
        try:
            index = self._new_index(dims)
            index.load(str(path))
            if index.ndim != dims:
                return None
            # usearch declares this property's setter apart from its getter, so mypy sees it read-only.
            index.expansion_search = self._ef_search  # type: ignore[misc]
            keys = {int(key) for key in np.asarray(index.keys)}
        except Exception as error:  # noqa: BLE001 - a bad snapshot is rebuilt from the database
            LOG.warning("ignoring unreadable HNSW snapshot", extra={"path": str(path), "error": str(error)})
            return None
        return _CollectionIndex(index, keys)
