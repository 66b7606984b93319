"""The span exporter wrapper that counts failed exports.

Its own module because it subclasses the OpenTelemetry SDK's ``SpanExporter``: ``tracing.py`` imports it
only once traces are configured, so a gateway with tracing off never loads the SDK.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

LOG = logging.getLogger("paramstack.tracing")


class CountingExporter(SpanExporter):
    """An exporter that counts its failures (an unreachable collector never affects calls: spans are sent
    from the batch processor's thread; what could not be sent is counted, then dropped)."""

    def __init__(self, inner: SpanExporter, on_failure: Callable[[], None]) -> None:
        self._inner = inner
        self._on_failure = on_failure

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        try:
            result = self._inner.export(spans)
        except Exception:  # noqa: BLE001 - an exporter must never take the batch thread down
            LOG.warning("trace export failed", exc_info=True)
            result = SpanExportResult.FAILURE
        if result is not SpanExportResult.SUCCESS:
            self._on_failure()
        return result

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._inner.force_flush(timeout_millis)
