"""The served model and its LoRA adapters: which names requests may use, attaching and removing them.

The model changes only on the worker thread, between forward passes. Names are visible to other threads:
``hide`` takes a name away from new requests at once, while its weights stay until the requests already
running with it have finished (``finish_unloads``), so unloading one tenant's adapter never cuts another
request short.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from paramstack.engine import model_loading
from paramstack.engine.adapter_routing import AdapterRouting
from paramstack.errors import Conflict, NotFound

log = logging.getLogger(__name__)

BASE_ADAPTER = "__base__"  # PEFT's name for "no adapter" in a mixed batch


class AdapterSet:
    def __init__(self, model: Any) -> None:
        self._model = model  # a PeftModel while adapters are attached, else the plain transformers model
        self._routing = AdapterRouting()
        self._reroute()
        self._lock = threading.Lock()
        self._servable: set[str] = set(self._loaded())
        self._unloading: dict[str, list[Future[None]]] = {}

    # ----- any thread --------------------------------------------------------------------------

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._servable)

    def serves(self, adapter: str | None) -> bool:
        with self._lock:
            return adapter is None or adapter in self._servable

    def check_new(self, name: str) -> None:
        with self._lock:
            if name in self._servable:
                raise Conflict(f"adapter {name!r} is already loaded; unload it first")

    def hide(self, name: str) -> None:
        """Refuse ``name`` to new requests from now on (its weights go later, on the worker)."""
        with self._lock:
            if name not in self._servable:
                raise NotFound(f"adapter {name!r} is not loaded")
            self._servable.discard(name)

    # ----- the worker thread -------------------------------------------------------------------

    @property
    def transformer(self) -> Any:
        """The transformers model to call: PeftModel.forward would only add per-call hooks around it."""
        return model_loading.base_of(self._model)

    def is_loaded(self, name: str) -> bool:
        return name in self._loaded()

    def attach(self, name: str, path: Path) -> None:
        try:
            model_loading.check_adapter(path, self.transformer)
            if self.is_loaded(name):
                raise Conflict(f"adapter {name!r} is already loaded; unload it first")
            if name in self._unloading:
                raise Conflict(f"adapter {name!r} is still being unloaded; try again")
            self._routing.remove()
            self._model = model_loading.attach_adapter(self._model, name, path)
        finally:
            self._reroute()
        with self._lock:
            self._servable.add(name)

    def schedule_unload(self, name: str, done: Future[None]) -> None:
        self._unloading.setdefault(name, []).append(done)

    @property
    def unloads_pending(self) -> bool:
        return bool(self._unloading)

    def finish_unloads(self, in_use: Collection[str | None]) -> None:
        """Remove the weights of hidden adapters that no running or waiting request uses any more."""
        for name in [n for n in self._unloading if n not in in_use]:
            waiters = self._unloading.pop(name)
            try:
                self._routing.remove()
                self._model = model_loading.detach_adapter(self._model, name)
            except Exception as error:
                log.exception("unloading adapter %s failed", name)
                settle(waiters, error)
            else:
                settle(waiters, None)
            finally:
                self._reroute()

    def fail_unloads(self, error: BaseException) -> None:
        for waiters in self._unloading.values():
            settle(waiters, error)
        self._unloading.clear()

    def route(self, adapters: Sequence[str | None]) -> None:
        """Adapter of each row of the next forward pass (None: the base model)."""
        if self._routing.installed:
            self._routing.route([name or BASE_ADAPTER for name in adapters])

    def _loaded(self) -> dict[str, Any]:
        return getattr(self._model, "peft_config", None) or {}

    def _reroute(self) -> None:
        if self._loaded():
            self._routing.install(self.transformer)
        else:
            self._routing.remove()


def settle(waiters: list[Future[None]], error: BaseException | None) -> None:
    for done in waiters:
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)
