"""The gateway's RAG step: retrieve from the tenant's collection, put the chunks in the prompt with
numbered source markers, and return those sources (document, chunk, score) for the response.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace

from paramstack.calls import CallInfo, Source
from paramstack.engine.protocol import ChatMessage
from paramstack.errors import NotFound
from paramstack.rag.models import Hit
from paramstack.rag.service import MAX_QUERY_CHARS, RagService

LOG = logging.getLogger("paramstack.rag")
INSTRUCTION = (
    "Answer from the numbered sources below when they are relevant, and cite them like [1]. "
    "If they do not contain the answer, say so."
)


class RagRetrieval:
    def __init__(self, service: RagService) -> None:
        self._service = service

    async def augment(
        self,
        call: CallInfo,
        collection: str,
        messages: Sequence[ChatMessage],
        *,
        screen: Callable[[str], str | None] | None = None,
    ) -> tuple[list[ChatMessage], list[Source]]:
        """``screen`` judges each retrieved chunk as untrusted content: its text as it may be used, or None to
        leave the chunk out (a poisoned document must not reach the prompt)."""
        query = next((m.content for m in reversed(messages) if m.role == "user" and m.content.strip()), "")
        if not collection or not query:
            return list(messages), []
        try:
            # A long message is still a question: search with its start rather than refuse the chat.
            hits = await asyncio.to_thread(self._service.search, call.org_id, collection, query[:MAX_QUERY_CHARS])
        except NotFound:
            # The tenant's collection has no documents yet: answer without sources rather than fail the chat.
            LOG.info("rag collection not found", extra={"tenant": call.org_id, "collection": collection})
            return list(messages), []
        if screen is not None:
            hits = [replace(h, text=text) for h in hits if (text := screen(h.text)) is not None]
        placed = fit_to_budget(hits, self._service.settings.max_context_chars)
        if not placed:
            return list(messages), []
        return with_sources(messages, placed), [Source(h.document, h.chunk, h.score) for h in placed]


def fit_to_budget(hits: list[Hit], max_chars: int) -> list[Hit]:
    """The best hits whose text fits ``max_chars``; the last one may be cut (a cut source beats none)."""
    placed: list[Hit] = []
    used = 0
    for hit in hits:
        room = max_chars - used
        if room < 80:
            break
        text = hit.text if len(hit.text) <= room else hit.text[:room].rsplit(" ", 1)[0] + " …"
        placed.append(Hit(hit.document, hit.chunk, hit.score, text, hit.heading, hit.vector_score, hit.keyword_score))
        used += len(text)
    return placed


def with_sources(messages: Sequence[ChatMessage], hits: list[Hit]) -> list[ChatMessage]:
    """The sources go into the (first) system message, which every chat template accepts at the start."""
    blocks = [f"[{n}] {hit.document} #{hit.chunk}\n{hit.text}" for n, hit in enumerate(hits, start=1)]
    context = INSTRUCTION + "\n\n" + "\n\n".join(blocks)
    result = list(messages)
    if result and result[0].role == "system":
        result[0] = replace(result[0], content=f"{result[0].content}\n\n{context}", parts=())
    else:
        result.insert(0, ChatMessage(role="system", content=context))
    return result
