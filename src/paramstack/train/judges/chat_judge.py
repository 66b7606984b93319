"""An LLM judge over any chat API: ask, validate the JSON, retry malformed or timed-out replies, account cost.

The transport (transports.py) only sends messages and returns (text, prompt_tokens, completion_tokens);
everything about judging lives here, so the OpenAI-compatible and Anthropic judges behave identically.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from paramstack.train.judges import rubric
from paramstack.train.judges.base import JudgeFailed, JudgeUsage, PairVerdict, Scores
from paramstack.train.preference_data import PromptRecord

T = TypeVar("T")


class TransportError(Exception):
    """The call itself failed (timeout, connection, 5xx, 429): worth retrying."""


class ChatTransport(Protocol):
    async def complete(self, messages: list[dict[str, str]]) -> tuple[str, int, int]: ...

    async def aclose(self) -> None: ...


@dataclass
class ChatJudge:
    name: str
    transport: ChatTransport
    retries: int = 2  # malformed or failed calls retried this many times, then JudgeFailed
    usage: JudgeUsage = field(default_factory=JudgeUsage)

    async def score(self, prompt: PromptRecord, candidates: Sequence[str]) -> list[Scores]:
        messages = rubric.scoring_messages(prompt, candidates)
        return await self._ask(messages, lambda reply: rubric.parse_scores(reply, len(candidates)))

    async def compare(self, prompt: PromptRecord, first: str, second: str) -> PairVerdict:
        return await self._ask(rubric.pairwise_messages(prompt, first, second), rubric.parse_pairwise)

    async def aclose(self) -> None:
        await self.transport.aclose()

    async def _ask(self, messages: list[dict[str, str]], parse: Callable[[str], T]) -> T:
        problem = "no reply"
        conversation = list(messages)
        for attempt in range(self.retries + 1):
            if attempt:
                self.usage.retries += 1
            started = time.perf_counter()
            self.usage.calls += 1
            try:
                reply, prompt_tokens, completion_tokens = await self.transport.complete(conversation)
            except TransportError as error:
                problem = str(error)
                continue
            finally:
                self.usage.seconds += time.perf_counter() - started
            self.usage.add_tokens(prompt_tokens, completion_tokens)
            try:
                return parse(reply)
            except rubric.Malformed as error:
                problem = f"{error} (reply began {reply[:80]!r})"
                # Show the judge its own reply and what was wrong with it: models fix format errors that way.
                conversation = [
                    *messages,
                    {"role": "assistant", "content": reply[:2000]},
                    {"role": "user", "content": rubric.RETRY_NOTE.format(problem=error)},
                ]
        self.usage.failures += 1
        raise JudgeFailed(
            f"judge {self.name} gave no valid verdict after {self.retries + 1} attempts: {problem}",
            attempts=self.retries + 1,
        )
