"""Keyword candidates over the analysed terms: SQLite FTS5 (BM25) or PostgreSQL full text (ts_rank_cd).

Terms come from ``rag/analyzer.py``: letters and digits only, so quoting them cannot inject query syntax.
Any term may match (OR): ranking, not filtering, decides, as BM25 retrieval expects.

Two things keep this fast on big, shared indexes:
- Every chunk's terms start with its collection's scope token ("scope12"), so the full-text index
  itself intersects a query with one collection instead of ranking every tenant's matches and
  filtering after. Analysed words are at most 5 characters long, so no word can be a scope token.
- A term found in many chunks ("the", "ve", a product name on every page) has a BM25 weight near zero
  but the longest posting list, and ranking its matches is most of a query's cost. So the terms are
  counted first (SQLite: exactly, up to a cap; PostgreSQL: the planner's estimate) and kept rarest
  first while the matches to rank stay under ``MAX_RANKED_MATCHES``: the work per query is bounded
  whatever the collection's size, and what is dropped is what BM25 weighs least (Lucene-style stop
  words, learnt from the collection itself). Small collections lose nothing.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from paramstack.rag.analyzer import PREFIX_LENGTH
from paramstack.rag.models import Candidate
from paramstack.rag.tables import RagTables

MAX_RANKED_MATCHES = 5_000  # postings ranked per query, summed over the kept terms

assert len("scope0") > PREFIX_LENGTH, "a scope token must never equal an analysed word"


def scope_token(collection_id: int) -> str:
    return f"scope{collection_id}"


def scoped_terms(collection_id: int, terms: str) -> str:
    return f"{scope_token(collection_id)} {terms}"


def keyword_candidates(
    conn: Connection, tables: RagTables, collection_id: int, terms: list[str], k: int
) -> list[Candidate]:
    search = _Fts5(conn) if conn.dialect.name == "sqlite" else _Postgres(conn, tables.chunks_name)
    scope = scope_token(collection_id)
    counted = sorted((search.count(scope, term, MAX_RANKED_MATCHES + 1), term) for term in terms)
    kept: list[str] = []
    matches = 0
    for count, term in counted:
        if count == 0:
            continue
        if matches + count > MAX_RANKED_MATCHES:
            break
        kept.append(term)
        matches += count
    return search.ranked(scope, kept, k) if kept else []


class _Fts5:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def count(self, scope: str, term: str, cap: int) -> int:
        return int(
            self._conn.execute(
                sa.text("SELECT count(*) FROM (SELECT 1 FROM rag_chunks_fts WHERE rag_chunks_fts MATCH :m LIMIT :cap)"),
                {"m": f'"{scope}" AND "{term}"', "cap": cap},
            ).scalar_one()
        )

    def ranked(self, scope: str, terms: list[str], k: int) -> list[Candidate]:
        match = f'"{scope}" AND (' + " OR ".join(f'"{term}"' for term in terms) + ")"
        # bm25() is lower-is-better in FTS5; negate it so every retriever's score is higher-is-better.
        rows = self._conn.execute(
            sa.text(
                "SELECT rowid, -bm25(rag_chunks_fts) FROM rag_chunks_fts WHERE rag_chunks_fts MATCH :m "
                "ORDER BY bm25(rag_chunks_fts) LIMIT :k"
            ),
            {"m": match, "k": k},
        )
        return [Candidate(int(row[0]), float(row[1])) for row in rows]


class _Postgres:
    def __init__(self, conn: Connection, chunks_table: str) -> None:
        self._conn = conn
        self._table = chunks_table

    def count(self, scope: str, term: str, cap: int) -> int:
        """The planner's estimate, from the statistics ANALYZE (autovacuum) keeps of the tsvector's most
        common lexemes: a fraction of a millisecond, where an exact count of a common term builds a whole
        GIN bitmap. Without statistics yet the estimate is small, and nothing is dropped."""
        # Inlined, not bound (EXPLAIN takes no parameters): scope and term are letters and digits only.
        tsquery = f"''{scope}'' & ''{term}''"
        plan = self._conn.execute(
            sa.text(
                f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {self._table} "  # noqa: S608
                f"WHERE terms_tsv @@ to_tsquery('simple', '{tsquery}')"
            )
        ).scalar_one()
        plan = json.loads(plan) if isinstance(plan, str) else plan
        return min(cap, int(plan[0]["Plan"]["Plan Rows"]))

    def ranked(self, scope: str, terms: list[str], k: int) -> list[Candidate]:
        any_term = " | ".join(f"'{term}'" for term in terms)
        # Filter with the scope (GIN intersects it), rank by the words alone.
        rows = self._conn.execute(
            sa.text(
                f"SELECT id, ts_rank_cd(terms_tsv, to_tsquery('simple', :words), 1) AS score FROM {self._table} "  # noqa: S608
                "WHERE terms_tsv @@ to_tsquery('simple', :scoped) ORDER BY score DESC, id LIMIT :k"
            ),
            {"words": any_term, "scoped": f"'{scope}' & ({any_term})", "k": k},
        )
        return [Candidate(int(row[0]), float(row[1])) for row in rows]
