"""The in-process engine: a Hugging Face causal LM plus many LoRA adapters, served with continuous batching.

``LocalEngine`` is the asyncio face; the model itself belongs to one worker thread
(``local_batcher.BatchScheduler``) that batches requests of different adapters into the same forward
passes. Importing this module is cheap: torch, transformers and PEFT load when an engine is built, so a
gateway that only talks to vLLM never imports them.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paramstack.engine.detokenizer import IncrementalDetokenizer
from paramstack.engine.prompts import PromptEncoder
from paramstack.engine.protocol import GenerationChunk, GenerationRequest
from paramstack.engine.rows import Row
from paramstack.errors import ArtifactError, ConfigurationError, InvalidRequest, NotFound, ServiceUnavailable
from paramstack.train.chat_format import END_TAG

if TYPE_CHECKING:
    from paramstack.engine.local_batcher import BatchScheduler, EngineStats
    from paramstack.settings import ModelSettings

log = logging.getLogger(__name__)

ADAPTER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")


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
    ) -> None:
        from paramstack.engine import model_loading
        from paramstack.engine.local_batcher import BatchScheduler

        if max_batch_size < 1:
            raise ConfigurationError(f"max_batch_size must be at least 1, got {max_batch_size}")
        model_dir = Path(model_dir)
        self.name = name or model_dir.name
        torch_device = _torch_device(device)
        model, tokenizer = model_loading.load_model(model_dir, str(torch_device))
        if adapters_dir is not None:
            for adapter_name, path in _adapter_dirs(Path(adapters_dir)):
                model_loading.check_adapter(path, model_loading.base_of(model))
                model = model_loading.attach_adapter(model, adapter_name, path)
        self._device = torch_device
        self._tokenizer = tokenizer
        self._tokenizer_lock = threading.Lock()
        config = model.config
        max_positions = getattr(config, "max_position_embeddings", None) or getattr(config, "n_positions", None)
        self._prompts = PromptEncoder(tokenizer, self._tokenizer_lock, max_positions, self.name)
        self._stop_token_ids = _stop_token_ids(tokenizer, model)
        pad_token_id = next((t for t in (tokenizer.pad_token_id, tokenizer.eos_token_id) if t is not None), 0)
        self._scheduler: BatchScheduler = BatchScheduler(
            model, pad_token_id=pad_token_id, max_batch_size=max_batch_size, device=torch_device
        )

    @classmethod
    def from_settings(cls, settings: ModelSettings) -> LocalEngine:
        if settings.backend != "local" or settings.path is None:
            raise ConfigurationError(f"model {settings.name!r} is not a local model")
        adapters_dir = settings.adapters_dir
        if adapters_dir is not None and not adapters_dir.exists():
            # A fresh install has no adapters yet; the default directory appears on the first one.
            log.info("adapters directory %s does not exist: serving %s without adapters", adapters_dir,
                     settings.name)
            adapters_dir = None
        return cls(settings.path, adapters_dir=adapters_dir, max_batch_size=settings.max_batch_size,
                   device=settings.device, name=settings.name)

    # ----- the Engine protocol -------------------------------------------------------------------

    async def generate(self, request: GenerationRequest) -> AsyncIterator[GenerationChunk]:
        prompt_ids = self._checked_prompt(request)
        loop = asyncio.get_running_loop()
        chunks: asyncio.Queue[GenerationChunk | BaseException] = asyncio.Queue()
        row = self._new_row(request, prompt_ids, lambda item: loop.call_soon_threadsafe(chunks.put_nowait, item))
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
        return len(self._checked_prompt(request))

    def adapters(self) -> list[str]:
        return self._scheduler.adapter_names()

    async def load_adapter(self, name: str, path: str) -> None:
        if not ADAPTER_NAME.match(name):
            raise InvalidRequest(f"invalid adapter name {name!r}: use letters, digits, '.', '_' and '-'")
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

    def stats(self) -> EngineStats:
        """Batching counters (rows per step, mixed-adapter steps, cancellations)."""
        return self._scheduler.stats()

    def _checked_prompt(self, request: GenerationRequest) -> list[int]:
        if not self._scheduler.serves(request.adapter):
            raise NotFound(f"adapter {request.adapter!r} is not loaded in model {self.name!r}", param="model")
        prompt_ids = self._prompts.encode(request)
        self._prompts.check(request, len(prompt_ids))
        return prompt_ids

    def _new_row(self, request: GenerationRequest, prompt_ids: list[int], deliver: Any) -> Row:
        from paramstack.engine.sampling import RowSampler

        return Row(
            request_id=request.request_id,
            prompt_ids=prompt_ids,
            adapter=request.adapter,
            params=request.sampling,
            deliver=deliver,
            detokenizer=IncrementalDetokenizer(self._decode, prompt_ids),
            stop_token_ids=self._stop_token_ids,
            sampler=RowSampler(request.sampling, self._device),
        )

    def _decode(self, ids: Any) -> str:
        with self._tokenizer_lock:
            return self._tokenizer.decode(ids, skip_special_tokens=True)


def _torch_device(device: str) -> Any:
    import torch

    try:
        torch_device = torch.device(device)
    except RuntimeError as error:
        raise ConfigurationError(f"invalid device {device!r}: {error}") from None
    if torch_device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigurationError(f"device {device!r} requested but this torch build sees no CUDA GPU")
    return torch_device


def _adapter_dirs(adapters_dir: Path) -> list[tuple[str, Path]]:
    if not adapters_dir.is_dir():
        raise ArtifactError(f"adapters directory {adapters_dir} does not exist")
    found = []
    for path in sorted(adapters_dir.iterdir()):
        if not path.is_dir() or path.name.startswith("."):
            continue
        if not ADAPTER_NAME.match(path.name):
            raise ArtifactError(f"adapter directory {path}: its name is not a valid adapter name")
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
