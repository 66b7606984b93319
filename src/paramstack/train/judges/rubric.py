"""What an LLM judge is asked, and the strict reading of its answer.

The judge must answer with one JSON object; anything else (prose, a missing criterion, a score out of
0-10, the wrong number of candidates) is malformed and the caller retries. JSON inside a Markdown fence
or surrounded by a sentence is accepted: that is formatting, not a wrong verdict.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Sequence
from typing import Any, TypeGuard

from paramstack.train.judges.base import CRITERIA, PairVerdict, Scores, Winner
from paramstack.train.preference_data import PromptRecord

SYSTEM = (
    "You are a strict, fair evaluator of AI assistant answers, in English or Turkish. Score each answer from 0 to 10 "
    "on relevance, helpfulness, accuracy, safety and clarity, and give an overall score. Reply with JSON only."
)
RETRY_NOTE = (
    "Your previous reply was not valid: {problem}. Reply again with ONLY the JSON object described, nothing else."
)
_OBJECT = re.compile(r"\{.*\}", re.S)


class Malformed(ValueError):
    """The judge's reply is not a valid verdict (the message says why, for the retry prompt)."""


def scoring_messages(prompt: PromptRecord, candidates: Sequence[str]) -> list[dict[str, str]]:
    parts = [f"Question:\n{prompt.prompt}"]
    if prompt.references:
        parts.append("Reference answer (may be incomplete):\n" + "\n---\n".join(prompt.references))
    parts += [f"Answer {i}:\n{text}" for i, text in enumerate(candidates, start=1)]
    keys = ", ".join(f'"{c}"' for c in (*CRITERIA, "overall"))
    parts.append(
        f'Return {{"scores": [...]}} with exactly {len(candidates)} objects, one per answer in order, each with '
        f'"answer" (its number), {keys} (numbers 0-10) and "rationale" (one short sentence).'
    )
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "\n\n".join(parts)}]


def pairwise_messages(prompt: PromptRecord, first: str, second: str) -> list[dict[str, str]]:
    parts = [f"Question:\n{prompt.prompt}"]
    if prompt.references:
        parts.append("Reference answer (may be incomplete):\n" + "\n---\n".join(prompt.references))
    parts += [
        f"Answer A:\n{first}",
        f"Answer B:\n{second}",
        'Which answer is better overall? Return {"winner": "A" | "B" | "tie", "score_a": 0-10, '
        '"score_b": 0-10, "rationale": "one short sentence"}.',
    ]
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "\n\n".join(parts)}]


def parse_scores(reply: str, count: int) -> list[Scores]:
    data = _json_object(reply)
    items = data.get("scores")
    if not isinstance(items, list) or len(items) != count:
        raise Malformed(f'"scores" must be a list of exactly {count} objects')
    result = []
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise Malformed(f"score {index} is not an object")
        values = {name: _score(item, name, index) for name in (*CRITERIA, "overall")}
        rationale = item.get("rationale")
        result.append(Scores(**values, rationale=rationale[:300] if isinstance(rationale, str) else ""))
    return result


def parse_pairwise(reply: str) -> PairVerdict:
    data = _json_object(reply)
    winner = str(data.get("winner", "")).strip().upper()
    mapping: dict[str, Winner] = {"A": "first", "B": "second", "TIE": "tie"}
    if winner not in mapping:
        raise Malformed('"winner" must be "A", "B" or "tie"')
    scores = [data.get("score_a"), data.get("score_b")]
    first, second = (float(s) if _is_score(s) else None for s in scores)
    rationale = data.get("rationale")
    return PairVerdict(mapping[winner], first, second, rationale[:300] if isinstance(rationale, str) else "")


def _json_object(reply: str) -> dict[str, Any]:
    text = reply.strip()
    candidates = [text]
    match = _OBJECT.search(text)
    if match and match.group(0) != text:
        candidates.append(match.group(0))
    for candidate in candidates:
        try:
            data = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        if isinstance(data, dict):
            return data
    raise Malformed("the reply is not a JSON object")


def _is_score(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 10


def _score(item: dict[str, Any], name: str, index: int) -> float:
    value = item.get(name)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = float(value)
    if _is_score(value):
        return float(value)
    raise Malformed(f'answer {index}: "{name}" must be a number from 0 to 10')
