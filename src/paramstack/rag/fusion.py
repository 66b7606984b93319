"""Reciprocal rank fusion (Cormack et al., 2009) of the vector and keyword rankings.

RRF uses ranks, not scores, so BM25's unbounded scores and cosine similarities need no calibration against
each other; it is what Elasticsearch, OpenSearch and the pgvector docs use for hybrid search. The fused
score is scaled so that 1.0 means "first in every ranking".
"""

from __future__ import annotations

from dataclasses import dataclass

from paramstack.rag.models import Candidate

RRF_K = 60  # the constant of the original paper; damps the weight of the very first ranks


@dataclass(frozen=True)
class Fused:
    chunk_id: int
    score: float
    scores: dict[str, float]  # each retriever's own score, where it found the chunk


def reciprocal_rank_fusion(rankings: dict[str, list[Candidate]], k: int = RRF_K) -> list[Fused]:
    if not rankings:
        return []
    best = len(rankings) / (k + 1)
    totals: dict[int, float] = {}
    scores: dict[int, dict[str, float]] = {}
    for retriever, candidates in rankings.items():
        for rank, candidate in enumerate(candidates, start=1):
            totals[candidate.chunk_id] = totals.get(candidate.chunk_id, 0.0) + 1.0 / (k + rank)
            scores.setdefault(candidate.chunk_id, {})[retriever] = candidate.score
    # Ties (same fused score) go to the better vector score, then the older chunk: deterministic order.
    ordered = sorted(totals, key=lambda cid: (-totals[cid], -scores[cid].get("vector", -1.0), cid))
    return [Fused(cid, totals[cid] / best, scores[cid]) for cid in ordered]
