"""Build a training corpus: read sources, normalise, scrub PII, drop duplicates, tag language, write jsonl + stats.

Output: ``DIR/corpus.jsonl`` (one record per line: id, kind, lang, domain, source and the content) and
``DIR/stats.json`` (what was kept and what was removed, so a reader can judge the corpus without opening it).
Every later step (tokenizer, pretrain, SFT) reads this directory through ``load_corpus``.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from paramstack.errors import ArtifactError, InvalidRequest
from paramstack.train.corpus_sources import RawRecord, RecordKind, iter_source
from paramstack.train.dedupe import Deduplicator
from paramstack.train.pii_scrub import scrub_pii
from paramstack.train.textnorm import detect_language, normalize_text

CORPUS_FILE = "corpus.jsonl"
STATS_FILE = "stats.json"


@dataclass
class CorpusRecord:
    id: str
    kind: RecordKind
    lang: str
    domain: str
    source: str
    text: str = ""
    messages: list[dict[str, str]] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    weight: int = 1  # training repeats per epoch (chat and paraphrase records)

    def plain_text(self) -> str:
        """All human-written text of the record, for dedupe, stats and language tagging."""
        if self.kind == "text":
            return self.text
        if self.kind == "chat":
            return "\n".join(m["content"] for m in self.messages)
        return "\n".join(self.questions + self.answers)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        keep = {"text": ("text",), "chat": ("messages",), "qa": ("questions", "answers")}[self.kind]
        extra = ("weight",) if self.weight != 1 else ()
        return {k: v for k, v in data.items() if k in ("id", "kind", "lang", "domain", "source", *keep, *extra)}


@dataclass
class CorpusStats:
    docs: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    tokens: int = 0  # whitespace words: a tokenizer-free size everyone can compare
    chars: int = 0
    languages: dict[str, int] = field(default_factory=dict)
    domains: dict[str, int] = field(default_factory=dict)
    read: int = 0
    empty_removed: int = 0
    exact_duplicates_removed: int = 0
    near_duplicates_removed: int = 0
    pii_replacements: dict[str, int] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    sha256: str = ""  # digest of corpus.jsonl: what later artifacts name as their input


def build_corpus(
    sources: Sequence[str | Path],
    out_dir: str | Path,
    *,
    pii_scrub: bool = False,
    near_threshold: float = 0.8,
) -> CorpusStats:
    """Read every source, clean and deduplicate, write ``corpus.jsonl`` and ``stats.json`` under ``out_dir``."""
    if not sources:
        raise InvalidRequest("give at least one corpus source")
    stats = CorpusStats(sources=[str(s) for s in sources])
    dedupe = Deduplicator(near_threshold=near_threshold)
    pii: Counter[str] = Counter()
    kept: list[CorpusRecord] = []
    for source in sources:
        for raw in iter_source(source):
            stats.read += 1
            record = _clean(raw, pii if pii_scrub else None)
            if record is None:
                stats.empty_removed += 1
                continue
            verdict = dedupe.check(record.plain_text())
            if verdict == "exact":
                stats.exact_duplicates_removed += 1
            elif verdict == "near":
                stats.near_duplicates_removed += 1
            else:
                kept.append(record)
    if not kept:
        raise InvalidRequest(f"no usable documents in {', '.join(stats.sources)} (supported: .txt .md .jsonl)")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    payload = "".join(json.dumps(r.to_json(), ensure_ascii=False) + "\n" for r in kept)
    (out / CORPUS_FILE).write_text(payload, encoding="utf-8")
    _fill_stats(stats, kept, pii)
    stats.sha256 = hashlib.sha256(payload.encode("utf-8")).hexdigest()
    (out / STATS_FILE).write_text(json.dumps(asdict(stats), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return stats


def _clean(raw: RawRecord, pii: Counter[str] | None) -> CorpusRecord | None:
    def fix(text: str) -> str:
        text = normalize_text(text)
        if pii is not None:
            text, found = scrub_pii(text)
            pii.update(found)
        return text

    record = CorpusRecord(id="", kind=raw.kind, lang="und", domain=raw.domain, source=raw.source, weight=raw.weight)
    if raw.kind == "text":
        record.text = fix(raw.text)
    elif raw.kind == "chat":
        record.messages = [{"role": m["role"], "content": fix(m["content"])} for m in raw.messages]
        if not any(m["role"] == "assistant" and m["content"] for m in record.messages):
            return None
    else:
        record.questions = [q for q in (fix(q) for q in raw.questions) if q]
        record.answers = [a for a in (fix(a) for a in raw.answers) if a]
        if not record.questions or not record.answers:
            return None
    body = record.plain_text()
    if not body.strip():
        return None
    record.lang = raw.lang if raw.lang in ("tr", "en") else detect_language(body)
    record.id = hashlib.sha256(f"{record.kind}\n{body}".encode()).hexdigest()[:16]
    return record


def _fill_stats(stats: CorpusStats, records: Iterable[CorpusRecord], pii: Counter[str]) -> None:
    kinds: Counter[str] = Counter()
    langs: Counter[str] = Counter()
    domains: Counter[str] = Counter()
    for record in records:
        body = record.plain_text()
        stats.docs += 1
        stats.tokens += len(body.split())
        stats.chars += len(body)
        kinds[record.kind] += 1
        langs[record.lang] += 1
        domains[record.domain] += 1
    stats.kinds, stats.languages, stats.domains = dict(kinds), dict(langs), dict(domains)
    stats.pii_replacements = dict(pii)


def load_corpus(corpus_dir: str | Path) -> list[CorpusRecord]:
    """Records of a corpus built by ``build_corpus``; a missing or broken directory is an ``ArtifactError``."""
    path = Path(corpus_dir) / CORPUS_FILE
    if not path.is_file():
        raise ArtifactError(f"{corpus_dir} is not a corpus directory (no {CORPUS_FILE}; run `paramstack corpus build`)")
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(CorpusRecord(**json.loads(line)))
        except (json.JSONDecodeError, TypeError) as error:
            raise ArtifactError(f"{path}:{number}: broken corpus record ({error})") from None
    if not records:
        raise ArtifactError(f"{path} is empty")
    return records


def corpus_digest(corpus_dir: str | Path) -> str:
    return hashlib.sha256((Path(corpus_dir) / CORPUS_FILE).read_bytes()).hexdigest()


def split_heldout(
    records: Sequence[CorpusRecord], fraction: float = 0.05
) -> tuple[list[CorpusRecord], list[CorpusRecord]]:
    """(train, held-out): per language, the ``fraction`` of *documents* with the smallest id hash.

    Per language so that Turkish and English both get held-out text (fertility is reported for each);
    by id so that the split is the same in the tokenizer, pretraining and any rerun. Chat and paraphrase
    records always stay in training: they are the answers the model must learn, and few.
    """
    heldout_ids: set[str] = set()
    if fraction > 0:
        for lang in sorted({r.lang for r in records}):
            docs = sorted((r for r in records if r.kind == "text" and r.lang == lang), key=lambda r: r.id)
            if len(docs) >= 2:
                heldout_ids.update(r.id for r in docs[: max(1, math.ceil(len(docs) * fraction))])
    train = [r for r in records if r.id not in heldout_ids]
    heldout = [r for r in records if r.id in heldout_ids]
    return train, heldout
