"""Keyword candidates over the analysed terms: SQLite FTS5 (BM25) or PostgreSQL full text (ts_rank_cd).

Terms come from ``rag/analyzer.py``: letters and digits only, so quoting them cannot inject query syntax.
Any term may match (OR): ranking, not filtering, decides, as BM25 retrieval expects.

Two things keep this fast on big, shared indexes:
- Every chunk's terms start with its collection's scope token ("scope12"), so the full-text index
  itself intersects a query with one collection instead of ranking every tenant's matches and
  filtering after. Analysed words are at most 5 characters long, so no word can be a scope token.
- In a big collection, a term found in a large share of the chunks ("the", "ve", a product name on every
  page) has a BM25 weight near zero but the longest posting list: ranking its matches is most of the
  cost of a query. Such terms are dropped before ranking (as Lucene-style stop words are, but learnt
  from the collection's own document frequencies).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from paramstack.rag.analyzer import PREFIX_LENGTH
from paramstack.rag.models import Candidate
from paramstack.rag.tables import RagTables

COMMON_TERM_SHARE = 0.25  # a term in more than this share of a collection's chunks is dropped...
COMMON_TERM_MIN_CHUNKS = 2000  # ...once it is in this many: below that, ranking every match is cheap

assert len("scope0") > PREFIX_LENGTH, "a scope token must never equal an analysed word"


def scope_token(collection_id: int) -> str:
    return f"scope{collection_id}"


def scoped_terms(collection_id: int, terms: str) -> str:
    return f"{scope_token(collection_id)} {terms}"


def keyword_candidates(conn: Connection, tables: RagTables, collection_id: int, terms: list[str],
                       k: int) -> list[Candidate]:
    search = _Fts5(conn) if conn.dialect.name == "sqlite" else _Postgres(conn, tables.chunks_name)
    scope = scope_token(collection_id)
    size = search.count(scope, None)
    if size > COMMON_TERM_MIN_CHUNKS:
        limit = max(COMMON_TERM_MIN_CHUNKS, COMMON_TERM_SHARE * size)
        terms = [term for term in terms if search.count(scope, term) <= limit]
    if not terms:
        return []
    return search.ranked(scope, terms, k)


class _Fts5:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def count(self, scope: str, term: str | None) -> int:
        match = f'"{scope}"' + (f' AND "{term}"' if term else "")
        return int(self._conn.execute(sa.text("SELECT count(*) FROM rag_chunks_fts WHERE rag_chunks_fts MATCH :m"),
                                      {"m": match}).scalar_one())

    def ranked(self, scope: str, terms: list[str], k: int) -> list[Candidate]:
        match = f'"{scope}" AND (' + " OR ".join(f'"{term}"' for term in terms) + ")"
        # bm25() is lower-is-better in FTS5; negate it so every retriever's score is higher-is-better.
        rows = self._conn.execute(sa.text(
            "SELECT rowid, -bm25(rag_chunks_fts) FROM rag_chunks_fts WHERE rag_chunks_fts MATCH :m "
            "ORDER BY bm25(rag_chunks_fts) LIMIT :k"), {"m": match, "k": k})
        return [Candidate(int(row[0]), float(row[1])) for row in rows]


class _Postgres:
    def __init__(self, conn: Connection, chunks_table: str) -> None:
        self._conn = conn
        self._table = chunks_table

    def count(self, scope: str, term: str | None) -> int:
        query = f"'{scope}'" + (f" & '{term}'" if term else "")
        return int(self._conn.execute(sa.text(
            f"SELECT count(*) FROM {self._table} WHERE terms_tsv @@ to_tsquery('simple', :q)"),  # noqa: S608
            {"q": query}).scalar_one())

    def ranked(self, scope: str, terms: list[str], k: int) -> list[Candidate]:
        any_term = " | ".join(f"'{term}'" for term in terms)
        # Filter with the scope (GIN intersects it), rank by the words alone.
        rows = self._conn.execute(sa.text(
            f"SELECT id, ts_rank_cd(terms_tsv, to_tsquery('simple', :words), 1) AS score FROM {self._table} "  # noqa: S608
            "WHERE terms_tsv @@ to_tsquery('simple', :scoped) ORDER BY score DESC, id LIMIT :k"),
            {"words": any_term, "scoped": f"'{scope}' & ({any_term})", "k": k})
        return [Candidate(int(row[0]), float(row[1])) for row in rows]
