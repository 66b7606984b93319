"""The offline judge: no network, no paid API, built from real signals rather than one rule.

- relevance: does the answer talk about what was asked (sentence embeddings + character n-grams);
- accuracy: agreement with the prompt's reference answers when it has some (reference-guided grading),
  otherwise agreement with the other candidates (consensus, as in minimum-Bayes-risk decoding);
- safety: paramstack's own guard (PII, toxicity, jailbreak...) on the answer;
- clarity: repetition, stray symbols, unfinished sentences;
- helpfulness: enough substance, in the language of the question.

Why several signals: a single rule is reward-hacked within one DPO run (an adapter learned to print
``_A/K/K/K``, see shared/notes). Echoing the question, padding with repeats or switching language each
lowers at least one signal, and ``overall`` is capped by safety and clarity so no signal can be gamed alone.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from paramstack.train.judges import signals
from paramstack.train.judges.base import JudgeUsage, PairVerdict, Scores, overall_of, verdict_from_scores
from paramstack.train.judges.embeddings import SentenceEmbedder
from paramstack.train.preference_data import PromptRecord

WEIGHTS = {"relevance": 0.2, "helpfulness": 0.15, "accuracy": 0.35, "safety": 0.15, "clarity": 0.15}
# Small fallback when the guard room is unavailable: the words that make an answer plainly unsafe.
_FALLBACK_UNSAFE = ("kill", "idiot", "stupid", "öldür", "aptal", "salak", "geri zekalı")


@dataclass
class OfflineJudge:
    embedder: SentenceEmbedder | None
    guard: Any | None  # paramstack.guard.Guard, when that room is available
    tie_margin: float = 0.25
    usage: JudgeUsage = field(default_factory=JudgeUsage)

    @classmethod
    def create(cls, *, embeddings: bool = True, guard_policy: str = "default") -> OfflineJudge:
        return cls(SentenceEmbedder.load() if embeddings else None, _load_guard(guard_policy))

    @property
    def name(self) -> str:
        parts = ["embeddings" if self.embedder else "lexical", "guard" if self.guard else "fallback-safety"]
        return f"offline({'+'.join(parts)})"

    async def score(self, prompt: PromptRecord, candidates: Sequence[str]) -> list[Scores]:
        started = time.perf_counter()
        try:
            return await asyncio.to_thread(self.score_sync, prompt, candidates)
        finally:
            self.usage.calls += 1
            self.usage.seconds += time.perf_counter() - started

    async def compare(self, prompt: PromptRecord, first: str, second: str) -> PairVerdict:
        scored = await self.score(prompt, [first, second])
        return verdict_from_scores(scored[0], scored[1], self.tie_margin)

    async def aclose(self) -> None:
        return None

    def score_sync(self, prompt: PromptRecord, candidates: Sequence[str]) -> list[Scores]:
        if self.embedder is not None:
            self.embedder.encode([prompt.prompt, *prompt.references, *candidates])  # one batch, then cached
        prompt_lang = prompt.lang or signals.language(prompt.prompt)
        return [
            self._score_one(prompt, prompt_lang, text, [c for j, c in enumerate(candidates) if j != i])
            for i, text in enumerate(candidates)
        ]

    def _score_one(self, prompt: PromptRecord, prompt_lang: str | None, text: str, others: list[str]) -> Scores:
        if not signals.words(text):
            return Scores(0.0, 0.0, 0.0, self._safety(text), 0.0, 0.0, "empty answer")
        relevance_raw = self._similarity(prompt.prompt, text, prompt_lang)
        echo = signals.lexical_similarity(prompt.prompt, text) > 0.85  # repeating the question is not answering
        relevance = 0.3 if echo else signals.rescale(relevance_raw, 0.05, 0.55)
        if prompt.references:
            accuracy = signals.rescale(max(self._similarity(r, text, prompt_lang) for r in prompt.references), 0.1, 0.7)
        elif others:
            consensus = sum(self._similarity(o, text, prompt_lang) for o in others) / len(others)
            accuracy = signals.rescale(consensus, 0.1, 0.7)
        else:
            accuracy = 0.5  # nothing to check against: say so by staying in the middle
        repetition = signals.repetition(text)
        symbols = signals.symbol_ratio(text)
        clarity = (1 - repetition) * (1 - min(1.0, 2 * symbols)) * (1.0 if signals.ends_sentence(text) else 0.8)
        count = len(signals.words(text))
        substance = min(1.0, count / 12) * (1.0 if count <= 150 else 150 / count)
        answer_lang = signals.language(text)
        same_language = 1.0 if prompt_lang is None or answer_lang in (None, prompt_lang) else 0.4
        helpfulness = substance * same_language * (1 - repetition)
        values = {
            "relevance": 10 * relevance,
            "helpfulness": 10 * helpfulness,
            "accuracy": 10 * accuracy,
            "safety": self._safety(text),
            "clarity": 10 * clarity,
        }
        overall = overall_of(values, WEIGHTS)
        # Caps: no amount of relevance makes an unsafe or unreadable answer a good one.
        overall = min(overall, values["safety"] + 2, values["clarity"] + 4)
        return Scores(
            relevance=values["relevance"],
            helpfulness=values["helpfulness"],
            accuracy=values["accuracy"],
            safety=values["safety"],
            clarity=values["clarity"],
            overall=overall,
        )

    def _similarity(self, a: str, b: str, lang: str | None) -> float:
        lexical = signals.lexical_similarity(a, b)
        if self.embedder is None:
            return lexical
        semantic = self.embedder.similarity(a, b)
        # MiniLM is English-only: for Turkish its similarity says little, so trust character n-grams there.
        weight = 0.6 if lang == "en" else 0.25
        return weight * semantic + (1 - weight) * lexical

    def _safety(self, text: str) -> float:
        if self.guard is None:
            lowered = text.casefold()
            return 2.0 if any(word in lowered for word in _FALLBACK_UNSAFE) else 10.0
        result = self.guard.validate(text, direction="output")
        if result.action == "block":
            return 0.0
        if result.action == "mask":
            return 5.0  # leaks personal data: the guard would mask it, a good answer would not contain it
        penalty = min(2.0, sum(float(f.score) for f in result.findings))  # logged findings lower it a little
        return 10.0 - penalty


def _load_guard(policy: str) -> Any | None:
    try:
        from paramstack.guard import Guard
    except ImportError:
        return None
    return Guard.from_policy_name(policy)
