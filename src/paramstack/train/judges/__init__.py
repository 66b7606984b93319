"""Pluggable judges, named on the command line.

offline                      no network: embeddings + guard + text measures (offline.py)
openai:BASE_URL#MODEL        any OpenAI-compatible chat endpoint: paramstack's gateway, vLLM, OpenAI
                             (key from OPENAI_API_KEY)
anthropic:MODEL              Anthropic's Messages API (key from ANTHROPIC_API_KEY; ANTHROPIC_BASE_URL
                             overrides the endpoint)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from paramstack.errors import InvalidRequest
from paramstack.train.judges.base import CRITERIA, Judge, JudgeFailed, JudgeUsage, PairVerdict, Scores

if TYPE_CHECKING:
    from paramstack.train.judges.chat_judge import ChatTransport

__all__ = ["CRITERIA", "Judge", "JudgeFailed", "JudgeOptions", "JudgeUsage", "PairVerdict", "Scores", "build_judge"]


@dataclass(frozen=True)
class JudgeOptions:
    retries: int = 2
    timeout_s: float = 60.0
    input_micros_per_1k: int = 0  # price of the judge's tokens, for the cost report
    output_micros_per_1k: int = 0
    embeddings: bool = True  # offline judge: use MiniLM embeddings when installed
    max_tokens: int = 512  # longest verdict an LLM judge may write


def build_judge(spec: str, options: JudgeOptions | None = None) -> Judge:
    """A judge from its command-line name; a bad name is an InvalidRequest naming the accepted forms."""
    options = options or JudgeOptions()
    kind, _, rest = spec.partition(":")
    if spec == "offline":
        from paramstack.train.judges.offline import OfflineJudge

        return OfflineJudge.create(embeddings=options.embeddings)
    if kind == "openai":
        base_url, _, model = rest.rpartition("#")
        if not base_url.startswith(("http://", "https://")) or not model:
            raise InvalidRequest(
                f"judge {spec!r}: expected openai:BASE_URL#MODEL, e.g. openai:http://127.0.0.1:8000/v1#paramstack-tiny",
                param="judge",
            )
        from paramstack.train.judges.transports import OpenAIChatTransport

        transport: ChatTransport = OpenAIChatTransport(
            base_url,
            model,
            os.environ.get("OPENAI_API_KEY"),
            timeout_s=options.timeout_s,
            max_tokens=options.max_tokens,
        )
        return _chat_judge(f"openai:{model}", transport, options)
    if kind == "anthropic":
        if not rest:
            raise InvalidRequest(f"judge {spec!r}: expected anthropic:MODEL", param="judge")
        key = os.environ.get("ANTHROPIC_API_KEY")
        if not key:
            raise InvalidRequest("judge anthropic:... needs ANTHROPIC_API_KEY in the environment", param="judge")
        from paramstack.train.judges.transports import ANTHROPIC_URL, AnthropicTransport

        transport = AnthropicTransport(
            rest,
            key,
            base_url=os.environ.get("ANTHROPIC_BASE_URL", ANTHROPIC_URL),
            timeout_s=options.timeout_s,
            max_tokens=options.max_tokens,
        )
        return _chat_judge(f"anthropic:{rest}", transport, options)
    raise InvalidRequest(
        f"unknown judge {spec!r}: use offline, openai:BASE_URL#MODEL or anthropic:MODEL", param="judge"
    )


def _chat_judge(name: str, transport: ChatTransport, options: JudgeOptions) -> Judge:
    from paramstack.train.judges.chat_judge import ChatJudge

    judge = ChatJudge(name, transport, retries=options.retries)
    judge.usage = JudgeUsage(
        input_micros_per_1k=options.input_micros_per_1k, output_micros_per_1k=options.output_micros_per_1k
    )
    return judge
