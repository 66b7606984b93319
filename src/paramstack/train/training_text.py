"""Turn corpus records into the strings a model is trained on, in the chat format of ``chat_format.py``.

Documents are used as they are. Chat records and paraphrase sets are rendered with the same template that
serving applies, so the model learns exactly the token sequence it will be prompted with.
"""

from __future__ import annotations

from collections.abc import Iterable

from paramstack.chat_format import render_chat
from paramstack.train.corpus import CorpusRecord

MAX_PAIRS_PER_SET = 12


def qa_pairs(record: CorpusRecord) -> list[tuple[str, str]]:
    """(question, answer) pairs of a paraphrase set: every question with every answer, capped.

    Pairing each phrasing of a question with each phrasing of its answer is what lets a tiny model map
    many ways of asking onto one fact. Past the cap, questions are paired with answers in rotation.
    """
    qs, ans = record.questions, record.answers
    if len(qs) * len(ans) <= MAX_PAIRS_PER_SET:
        return [(q, a) for q in qs for a in ans]
    count = max(len(qs), len(ans), MAX_PAIRS_PER_SET)
    return [(qs[i % len(qs)], ans[(i + i // len(qs)) % len(ans)]) for i in range(count)]


def conversations(record: CorpusRecord) -> list[list[dict[str, str]]]:
    """Chat-shaped views of a record ([] for plain documents), repeated ``record.weight`` times."""
    if record.kind == "chat":
        return [record.messages] * record.weight
    if record.kind == "qa":
        pairs = qa_pairs(record) * record.weight
        return [[{"role": "user", "content": q}, {"role": "assistant", "content": a}] for q, a in pairs]
    return []


def training_texts(records: Iterable[CorpusRecord]) -> list[str]:
    """Every record as training text: documents verbatim, conversations rendered with the chat template."""
    texts: list[str] = []
    for record in records:
        if record.kind == "text":
            texts.append(record.text)
        else:
            texts.extend(render_chat(c, add_generation_prompt=False) for c in conversations(record))
    return texts
