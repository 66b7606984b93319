"""The worker thread that owns the model: continuous batching of rows with different LoRA adapters.

One thread runs every forward pass, so model mutations (attaching or removing adapters) happen between
steps and never race a forward. Each turn of its loop:

1. takes new rows and commands from the inbox (blocking only when there is nothing to compute);
2. drops cancelled rows, and removes adapters marked for unloading once no row uses them;
3. admits waiting rows up to ``max_batch_size``: prefills them together (left padding, mask, position
   ids), samples their first token and merges their KV cache into the running batch;
4. runs one decode step for every running row in ONE forward, rows with different adapters side by side
   (PEFT's mixed-batch LoRA path, "__base__" for no adapter), then retires rows that finished.

A request that arrives mid-generation therefore starts at the next step rather than after the batch.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from paramstack.engine import model_loading
from paramstack.engine.adapter_set import AdapterSet
from paramstack.engine.engine_stats import EngineStats
from paramstack.engine.forward_style import forward_style
from paramstack.engine.kv_batch import KvBatch, left_pad_ids, new_cache, positions_from_mask
from paramstack.engine.rows import Row
from paramstack.engine.token_choice import choose_tokens
from paramstack.engine.token_logprobs import TokenTexts, prompt_logprobs
from paramstack.errors import NotFound, ServiceUnavailable

log = logging.getLogger(__name__)


@dataclass
class _LoadAdapter:
    name: str
    path: Path
    done: Future[None]


@dataclass
class _UnloadAdapter:
    name: str
    done: Future[None]


_WAKE = object()  # an inbox item that only wakes the worker (a cancellation happened)
_STOP = object()


class BatchScheduler:
    def __init__(
        self,
        model: Any,
        *,
        pad_token_id: int,
        max_batch_size: int,
        device: torch.device,
        token_texts: TokenTexts,
        threads: int | None = None,
    ) -> None:
        self._threads = threads
        self._texts = token_texts
        self._adapters = AdapterSet(model)
        self._pad_token_id = pad_token_id
        self._max_batch_size = max_batch_size
        self._device = device
        self._forward_kwargs = forward_style(model_loading.base_of(model))
        self._inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._waiting: deque[Row] = deque()
        self._active: list[Row] = []
        self._batch: KvBatch | None = None
        self._stats = EngineStats()
        self._closed = False
        self._submit_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="paramstack-local-engine", daemon=True)
        self._thread.start()

    # ----- called from other threads -------------------------------------------------------------

    def adapter_names(self) -> list[str]:
        return self._adapters.names()

    def serves(self, adapter: str | None) -> bool:
        return self._adapters.serves(adapter)

    def submit(self, row: Row) -> None:
        self._put(row)

    def cancel(self, row: Row) -> None:
        row.cancelled = True
        self._inbox.put(_WAKE)

    def load_adapter(self, name: str, path: Path) -> Future[None]:
        self._adapters.check_new(name)
        done: Future[None] = Future()
        self._put(_LoadAdapter(name, path, done))
        return done

    def unload_adapter(self, name: str) -> Future[None]:
        """Hide ``name`` from new requests now; its weights go once its running requests finish."""
        with self._submit_lock:
            if self._closed:
                raise ServiceUnavailable("the local engine is closed")
            self._adapters.hide(name)
        done: Future[None] = Future()
        self._put(_UnloadAdapter(name, done))
        return done

    def _put(self, item: Any) -> None:
        # Under the lock so that nothing slips into the inbox after the worker's last look at it.
        with self._submit_lock:
            if self._closed:
                raise ServiceUnavailable("the local engine is closed")
            self._inbox.put(item)

    def stats(self) -> EngineStats:
        return dataclasses.replace(self._stats, active_rows=len(self._active), waiting_rows=len(self._waiting))

    def close(self, timeout: float | None = None) -> None:
        with self._submit_lock:
            self._closed = True
            self._inbox.put(_STOP)
        self._thread.join(timeout)

    # ----- the worker thread -----------------------------------------------------------------------

    def _run(self) -> None:
        if self._threads:
            # OpenMP's thread count is per calling thread: it must be set here, in the worker, not by the
            # thread that built the engine. Small models run fastest on one thread (measured: a batch-8
            # step 54 ms on 1 thread vs 750 ms on 2 when the other core is busy).
            torch.set_num_threads(self._threads)
        try:
            # Tensors made here never need gradients; inference mode also skips version counting.
            with torch.inference_mode():
                while self._take_inbox(block=self._idle):
                    try:
                        self._drop_cancelled()
                        self._finish_unloads()
                        self._admit()
                        if self._active:
                            self._decode_step()
                    except Exception as error:  # one bad turn must not stop the service for every tenant
                        log.exception("local engine step failed; failing the rows in the batch")
                        self._fail_active(error)
        except BaseException:
            log.exception("local engine worker stopped unexpectedly")
            raise
        finally:
            # Whatever ended the loop, nobody may be left waiting for chunks that will never come.
            with self._submit_lock:
                self._closed = True
            self._shut_down()

    @property
    def _idle(self) -> bool:
        """Nothing to compute and nothing to settle: the worker may sleep until the inbox has news."""
        return not (self._active or self._waiting or self._adapters.unloads_pending)

    def _take_inbox(self, *, block: bool) -> bool:
        """Move everything queued into the scheduler; False once asked to stop."""
        item = self._inbox.get() if block else _get_nowait(self._inbox)
        while item is not None:
            if item is _STOP:
                return False
            if isinstance(item, Row):
                self._waiting.append(item)
            elif isinstance(item, _LoadAdapter):
                self._attach(item)
            elif isinstance(item, _UnloadAdapter):
                self._adapters.schedule_unload(item.name, item.done)
            item = _get_nowait(self._inbox)
        return True

    def _attach(self, command: _LoadAdapter) -> None:
        try:
            self._adapters.attach(command.name, command.path)
        except Exception as error:
            command.done.set_exception(error)
        else:
            command.done.set_result(None)

    def _finish_unloads(self) -> None:
        if self._adapters.unloads_pending:
            self._adapters.finish_unloads({row.adapter for row in (*self._active, *self._waiting)})

    def _drop_cancelled(self) -> None:
        for row in [r for r in self._waiting if r.cancelled]:
            self._waiting.remove(row)
            self._stats.rows_cancelled += 1
        if any(row.cancelled for row in self._active):
            self._retire()

    def _admit(self) -> None:
        room = self._max_batch_size - len(self._active)
        rows: list[Row] = []
        while self._waiting and len(rows) < room:
            row = self._waiting.popleft()
            if row.adapter is not None and not self._adapters.is_loaded(row.adapter):
                self._fail(row, NotFound(f"adapter {row.adapter!r} is not loaded"))
            else:
                rows.append(row)
        if not rows:
            return
        try:
            self._join(self._prefill(rows), rows)
        except Exception:
            if len(rows) == 1:
                self._fail_prefill(rows[0])
                return
            # Retry one by one, so that a request that breaks the model fails alone.
            for row in rows:
                try:
                    self._join(self._prefill([row]), [row])
                except Exception:
                    self._fail_prefill(row)

    def _fail_prefill(self, row: Row) -> None:
        log.exception("prefill of request %s failed", row.request_id)
        self._fail(row, ServiceUnavailable("the local engine failed on this request"))

    def _prefill(self, rows: list[Row]) -> KvBatch:
        ids, mask = left_pad_ids([row.prompt_ids for row in rows], self._pad_token_id)
        ids, mask = ids.to(self._device), mask.to(self._device)
        batch = KvBatch(new_cache(), mask)
        echo = any(row.echo_logprobs for row in rows)
        logits = self._forward(ids, mask, positions_from_mask(mask), batch, rows, every_position=echo)
        self._stats.prefill_batches += 1
        for i, row in enumerate(rows):
            if row.echo_logprobs:  # teacher-forced logprobs of the prompt, from this very prefill
                n = len(row.prompt_ids)
                row.prompt_logprobs = prompt_logprobs(logits[i, -n:], row.prompt_ids, row.logprobs or 0, self._texts)
        self._accept_tokens(rows, logits[:, -1, :])
        return batch

    def _join(self, batch: KvBatch, rows: list[Row]) -> None:
        """Add freshly prefilled rows (those still running) to the running batch."""
        keep = [i for i, row in enumerate(rows) if not row.done]
        self._count_finished(row for row in rows if row.done)
        if not keep:
            return
        if len(keep) < len(rows):
            batch.keep_rows(keep)
        if self._batch is None:
            self._batch = batch
        else:
            self._batch.merge(batch)
        self._active.extend(rows[i] for i in keep)

    def _decode_step(self) -> None:
        rows = self._active
        assert self._batch is not None
        ids = torch.tensor([[row.last_token] for row in rows], dtype=torch.long, device=self._device)
        positions = torch.tensor([[row.position] for row in rows], dtype=torch.long, device=self._device)
        mask = self._batch.grow_for_step()
        logits = self._forward(ids, mask, positions, self._batch, rows)[:, -1, :]
        self._stats.decode_steps += 1
        if len(rows) > 1:
            self._stats.batched_decode_steps += 1
        if len({row.adapter for row in rows}) > 1:
            self._stats.mixed_adapter_steps += 1
        self._stats.max_batch_size_observed = max(self._stats.max_batch_size_observed, len(rows))
        self._accept_tokens(rows, logits)
        self._retire()

    def _forward(
        self,
        ids: torch.Tensor,
        mask: torch.Tensor,
        positions: torch.Tensor,
        batch: KvBatch,
        rows: list[Row],
        *,
        every_position: bool = False,
    ) -> torch.Tensor:
        """Logits ``[rows, positions, vocab]``: the last position only unless ``every_position``."""
        kwargs: dict[str, Any] = {
            "input_ids": ids,
            "attention_mask": mask,
            "position_ids": positions,
            "use_cache": True,
            self._forward_kwargs.cache_name: batch.cache,
        }
        if self._forward_kwargs.logits_to_keep and not every_position:
            kwargs["logits_to_keep"] = 1  # the lm_head over the last position only
        self._adapters.route([row.adapter for row in rows])
        return self._adapters.transformer(**kwargs).logits

    def _accept_tokens(self, rows: list[Row], logits: torch.Tensor) -> None:
        flushes = set()
        tokens, logprobs = choose_tokens(rows, logits, self._texts)
        for row, token, logprob in zip(rows, tokens, logprobs, strict=True):
            chunk = row.accept(token, logprob)
            self._stats.tokens_generated += 1
            if chunk is not None:
                row.send(chunk)
                flushes.add(row.sink.flush)
        # One hand-over per client event loop per step, not one per chunk (each costs a loop wake-up).
        for flush in flushes:
            flush()

    def _retire(self) -> None:
        """Drop finished and cancelled rows from the batch so the next step no longer computes them."""
        keep = [i for i, row in enumerate(self._active) if not row.done]
        if len(keep) == len(self._active):
            return
        self._count_finished(row for row in self._active if row.done)
        self._active = [self._active[i] for i in keep]
        if not keep:
            self._batch = None
        elif self._batch is not None:
            self._batch.keep_rows(keep)

    def _count_finished(self, rows: Iterable[Row]) -> None:
        for row in rows:
            if row.cancelled:
                self._stats.rows_cancelled += 1
            elif row.failed:
                self._stats.rows_failed += 1
            else:
                self._stats.rows_finished += 1

    def _fail(self, row: Row, error: BaseException) -> None:
        row.fail(error)
        self._stats.rows_failed += 1

    def _fail_active(self, error: Exception) -> None:
        message = ServiceUnavailable(f"the local engine failed while generating: {error}")
        for row in self._active:
            if not row.done:
                self._fail(row, message)
        self._active = []
        self._batch = None

    def _shut_down(self) -> None:
        closed = ServiceUnavailable("the local engine is shutting down")
        for row in [*self._active, *self._waiting]:
            if not row.done:
                self._fail(row, closed)
        self._active, self._batch = [], None
        self._waiting.clear()
        self._adapters.fail_unloads(closed)
        while (item := _get_nowait(self._inbox)) is not None:
            if isinstance(item, Row):
                self._fail(item, closed)
            elif isinstance(item, _LoadAdapter | _UnloadAdapter):
                item.done.set_exception(closed)


def _get_nowait(inbox: queue.SimpleQueue[Any]) -> Any:
    try:
        return inbox.get_nowait()
    except queue.Empty:
        return None
