"""The in-process engine: a Hugging Face causal LM plus many LoRA adapters, served with continuous batching.

``LocalEngine`` is the asyncio face; the model itself belongs to one worker thread
(``local_batcher.BatchScheduler``) that batches requests of different adapters into the same forward
passes. Importing this module is cheap: torch, transformers, PEFT and xgrammar load when an engine is
built, so a gateway that only talks to vLLM never imports them.

Beyond text: tools render through the chat template (``chat_format``) and come back as streamed
``ToolCallDelta`` pieces (``tool_calls.py``); tool calls and JSON answers are constrained by a grammar
(``grammars.py``), one per-row bitmask in the shared forward passes (``token_choice.py``); logprobs and
echoed prompt logprobs come from the real logits (``token_logprobs.py``).
"""

from __future__ import annotations

import asyncio
import functools
import importlib.util
import logging
import re
import threading
import weakref
from collections.abc import AsyncGenerator, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paramstack.chat_format import END_TAG
from paramstack.engine.detokenizer import IncrementalDetokenizer
from paramstack.engine.grammars import GrammarBook, GrammarPlan
from paramstack.engine.prompts import PromptEncoder
from paramstack.engine.protocol import GenerationChunk, GenerationRequest
from paramstack.engine.rows import ChunkSink, Row
from paramstack.engine.tool_calls import ToolCallParser
from paramstack.errors import ArtifactError, ConfigurationError, InvalidRequest, NotFound

if TYPE_CHECKING:
    from paramstack.engine.engine_stats import EngineStats
    from paramstack.engine.local_batcher import BatchScheduler
    from paramstack.settings import ModelSettings

log = logging.getLogger(__name__)

# PEFT keeps adapters in nn.ModuleDicts, whose keys may not contain "."; "@" carries the registry's
# version suffix ("medical-lora@v2").
ADAPTER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-@:]{0,127}$")


class LocalEngine:
    """Serves one base model and the LoRA adapters attached to it, to many concurrent requests.

    ``adapters_dir/<name>/`` subdirectories are attached at start under ``<name>``; more can be attached
    and removed while serving with ``load_adapter`` / ``unload_adapter``.
    """

    def __init__(
        self,
        model_dir: str | Path,
        *,
        adapters_dir: str | Path | None = None,
        max_batch_size: int = 8,
        device: str = "cpu",
        name: str | None = None,
        verify_artifact: Callable[[Path], object] | None = None,
        threads: int | None = None,
    ) -> None:
        """``verify_artifact`` (e.g. a signed-manifest check) raises ``ArtifactError`` for a directory that
        must not be served: a failing model stops start-up, a failing adapter is left out (and logged)."""
        from paramstack.engine import model_loading
        from paramstack.engine.local_batcher import BatchScheduler

        if max_batch_size < 1:
            raise ConfigurationError(f"max_batch_size must be at least 1, got {max_batch_size}")
        model_dir = Path(model_dir)
        self.name = name or model_dir.name
        torch_device = _torch_device(device)
        if verify_artifact is not None:
            verify_artifact(model_dir)
        model, tokenizer = model_loading.load_model(model_dir, str(torch_device))
        if adapters_dir is not None:
            for adapter_name, path in _adapter_dirs(Path(adapters_dir)):
                if verify_artifact is not None and not _verified(verify_artifact, path):
                    continue
                model_loading.check_adapter(path, model_loading.base_of(model))
                model = model_loading.attach_adapter(model, adapter_name, path)
        self._device = torch_device
        self._tokenizer = tokenizer
        self._tokenizer_lock = threading.Lock()
        config = model.config
        max_positions = getattr(config, "max_position_embeddings", None) or getattr(config, "n_positions", None)
        vocab_size = getattr(config, "vocab_size", None) or len(tokenizer)
        self._prompts = PromptEncoder(tokenizer, self._tokenizer_lock, max_positions, self.name, vocab_size)
        self._stop_token_ids = _stop_token_ids(tokenizer, model)
        self._grammars = GrammarBook(tokenizer, self._tokenizer_lock, vocab_size, self._stop_token_ids)
        # One mailbox per event loop that asked for generations (usually one); dies with its loop.
        self._mailboxes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopMailbox] = (
            weakref.WeakKeyDictionary()
        )
        self._mailboxes_lock = threading.Lock()
        pad_token_id = next((t for t in (tokenizer.pad_token_id, tokenizer.eos_token_id) if t is not None), 0)
        from paramstack.engine.token_logprobs import TokenTexts

        self._scheduler: BatchScheduler = BatchScheduler(
            model,
            pad_token_id=pad_token_id,
            max_batch_size=max_batch_size,
            device=torch_device,
            token_texts=TokenTexts(tokenizer, self._tokenizer_lock),
            threads=threads,
        )

    @classmethod
    def from_settings(
        cls, settings: ModelSettings, verify_artifact: Callable[[Path], object] | None = None
    ) -> LocalEngine:
        if settings.backend != "local" or settings.path is None:
            raise ConfigurationError(f"model {settings.name!r} is not a local model")
        adapters_dir = settings.adapters_dir
        if adapters_dir is not None and not adapters_dir.exists():
            # A fresh install has no adapters yet; the default directory appears on the first one.
            log.info("adapters directory %s does not exist: serving %s without adapters", adapters_dir, settings.name)
            adapters_dir = None
        return cls(
            settings.path,
            adapters_dir=adapters_dir,
            max_batch_size=settings.max_batch_size,
            device=settings.device,
            name=settings.name,
            verify_artifact=verify_artifact,
            threads=settings.threads,
        )

    # ----- the Engine protocol -------------------------------------------------------------------

    async def generate(self, request: GenerationRequest) -> AsyncGenerator[GenerationChunk, None]:
        prompt_ids, plan, grammar = await self._checked(request)
        chunks: asyncio.Queue[GenerationChunk | BaseException] = asyncio.Queue()
        sink = _QueueSink(self._mailbox(asyncio.get_running_loop()), chunks)
        row = self._new_row(request, prompt_ids, sink, plan, grammar)
        finished = False
        try:
            self._scheduler.submit(row)
            while not finished:
                item = await chunks.get()
                finished = True
                if isinstance(item, BaseException):
                    raise item
                finished = item.finish_reason is not None
                yield item
        finally:
            if not finished:
                # The client went away (aclose, disconnect, task cancelled): stop computing this row.
                self._scheduler.cancel(row)

    async def count_prompt_tokens(self, request: GenerationRequest) -> int:
        """Exact prompt tokens (tools section and tool turns included). Also refuses, with
        ``InvalidRequest``, what this model cannot take: media parts (param "messages"), token ids outside
        its vocabulary ("prompt"), schemas the constrained decoder cannot enforce ("response_format",
        "tools"), a ``tool_choice`` naming no offered tool ("tool_choice"). Grammars compile here, once per
        distinct schema (cached), off the event loop."""
        prompt_ids, _, _ = await self._checked(request)
        return len(prompt_ids)

    def capabilities(self) -> Mapping[str, bool]:
        # Tool calls and JSON answers are only as good as their grammar: without xgrammar, say so.
        constrained = importlib.util.find_spec("xgrammar") is not None
        return {"tools": constrained, "structured_outputs": constrained, "vision": False, "logprobs": True}

    def adapters(self) -> list[str]:
        return self._scheduler.adapter_names()

    async def load_adapter(self, name: str, path: str) -> None:
        if not ADAPTER_NAME.match(name):
            raise InvalidRequest(f"invalid adapter name {name!r}: use letters, digits, '_', '-', '@' and ':' (no '.')")
        await asyncio.wrap_future(self._scheduler.load_adapter(name, Path(path)))

    async def unload_adapter(self, name: str) -> None:
        """Returns once the adapter's weights are gone; its requests already running finish first."""
        await asyncio.wrap_future(self._scheduler.unload_adapter(name))

    async def aclose(self) -> None:
        await asyncio.to_thread(self._scheduler.close)

    # ----- beyond the protocol -------------------------------------------------------------------

    @property
    def max_context(self) -> int | None:
        return self._prompts.max_positions

    @property
    def stop_token_ids(self) -> frozenset[int]:
        """Tokens that end a generation: end of text and the chat end tag."""
        return self._stop_token_ids

    def stats(self) -> EngineStats:
        """Batching counters (rows per step, mixed-adapter steps, cancellations)."""
        return self._scheduler.stats()

    async def _checked(self, request: GenerationRequest) -> tuple[list[int], GrammarPlan | None, Any]:
        if not self._scheduler.serves(request.adapter):
            raise NotFound(f"adapter {request.adapter!r} is not loaded in model {self.name!r}", param="model")
        if request.messages is not None:
            self._prompts.check_media(request.messages)
        plan = self._grammars.plan(request)  # before rendering: the template writes the tools' schemas
        prompt_ids = self._prompts.encode(request)
        self._prompts.check(request, len(prompt_ids))
        if plan is None:
            return prompt_ids, None, None
        grammar = self._grammars.cached(plan)
        if grammar is None:  # a few ms for small schemas; large ones must not stall every other stream
            grammar = await asyncio.to_thread(functools.partial(self._grammars.compiled, plan))
        return prompt_ids, plan, grammar

    def _new_row(
        self,
        request: GenerationRequest,
        prompt_ids: list[int],
        sink: ChunkSink,
        plan: GrammarPlan | None = None,
        grammar: Any = None,
    ) -> Row:
        from paramstack.engine.sampling import RowSampler

        return Row(
            request_id=request.request_id,
            prompt_ids=prompt_ids,
            adapter=request.adapter,
            params=request.sampling,
            sink=sink,
            detokenizer=IncrementalDetokenizer(self._decode, prompt_ids),
            stop_token_ids=self._stop_token_ids,
            sampler=RowSampler(request.sampling, self._device),
            matcher=self._grammars.matcher(grammar) if plan is not None else None,
            control_token_ids=self._grammars.control_token_ids() if plan is not None else None,
            surrogate_ban=self._grammars.surrogate_ban() if plan is not None else None,
            tool_parser=ToolCallParser() if plan is not None and plan.parses_tool_calls else None,
            logprobs=request.logprobs,
            echo_logprobs=request.echo and request.logprobs is not None,
        )

    def _mailbox(self, loop: asyncio.AbstractEventLoop) -> _LoopMailbox:
        with self._mailboxes_lock:
            mailbox = self._mailboxes.get(loop)
            if mailbox is None:
                mailbox = self._mailboxes[loop] = _LoopMailbox(loop)
            return mailbox

    def _decode(self, ids: Any) -> str:
        with self._tokenizer_lock:
            return str(self._tokenizer.decode(ids, skip_special_tokens=True))


class _LoopMailbox:
    """Carries chunks from the worker thread to one event loop, waking the loop once per step.

    A ``call_soon_threadsafe`` per chunk costs a loop wake-up and a GIL hand-over each (measured: ~10 %
    of the worker's time with 8 rows); here a decode step's chunks for one loop share one wake-up.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        # Weak, so that the engine's loop -> mailbox map does not keep finished loops alive.
        self._loop = weakref.ref(loop)
        self._lock = threading.Lock()
        self._pending: list[tuple[asyncio.Queue[Any], Any]] = []

    def stage(self, queue: asyncio.Queue[Any], item: Any) -> None:
        loop = self._loop()
        if loop is None or loop.is_closed():
            raise RuntimeError("event loop is closed")
        with self._lock:
            self._pending.append((queue, item))

    def flush(self) -> None:
        with self._lock:
            if not self._pending:
                return
        loop = self._loop()
        try:
            if loop is None:
                raise RuntimeError("event loop is gone")
            loop.call_soon_threadsafe(self._deliver)
        except RuntimeError:  # closed meanwhile: its rows are cancelled when they next post
            with self._lock:
                self._pending.clear()

    def _deliver(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
        for queue, item in pending:
            queue.put_nowait(item)


class _QueueSink:
    """The ``ChunkSink`` of one ``generate`` call: its asyncio queue, behind its loop's mailbox."""

    def __init__(self, mailbox: _LoopMailbox, queue: asyncio.Queue[Any]) -> None:
        self._mailbox = mailbox
        self._queue = queue
        self.flush = mailbox.flush

    def post(self, item: GenerationChunk | BaseException) -> None:
        self._mailbox.stage(self._queue, item)


def _torch_device(device: str) -> Any:
    import torch

    try:
        torch_device = torch.device(device)
    except RuntimeError as error:
        raise ConfigurationError(f"invalid device {device!r}: {error}") from None
    if torch_device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigurationError(f"device {device!r} requested but this torch build sees no CUDA GPU")
    return torch_device


def _verified(verify_artifact: Callable[[Path], object], path: Path) -> bool:
    try:
        verify_artifact(path)
    except ArtifactError as error:
        log.error("adapter %s not loaded: %s", path.name, error.message)
        return False
    return True


def _adapter_dirs(adapters_dir: Path) -> list[tuple[str, Path]]:
    if not adapters_dir.is_dir():
        raise ArtifactError(f"adapters directory {adapters_dir} does not exist")
    found = []
    for path in sorted(adapters_dir.iterdir()):
        if not path.is_dir() or path.name.startswith("."):
            continue
        if not ADAPTER_NAME.match(path.name):
            raise ArtifactError(
                f"adapter directory {path}: its name is not a valid adapter name "
                "(letters, digits, '_', '-', '@', ':'; no '.')"
            )
        found.append((path.name, path))
    return found


def _stop_token_ids(tokenizer: Any, model: Any) -> frozenset[int]:
    """End of text (tokenizer and generation config) and the chat end tag of our own chat format."""
    ids: set[int] = set()
    for source in (tokenizer.eos_token_id, getattr(model.generation_config, "eos_token_id", None)):
        if isinstance(source, int):
            ids.add(source)
        elif isinstance(source, list | tuple):
            ids.update(int(t) for t in source)
    end_id = tokenizer.convert_tokens_to_ids(END_TAG)
    if isinstance(end_id, int) and end_id != tokenizer.unk_token_id:
        ids.add(end_id)
    return frozenset(ids)
