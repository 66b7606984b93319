"""OpenTelemetry traces of the request path: one span per call, a child span per pipeline step.

Configured by the standard variables: ``OTEL_TRACES_EXPORTER`` (``otlp``, ``console``; unset or ``none``: off),
``OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`` / ``OTEL_EXPORTER_OTLP_PROTOCOL`` (``http/protobuf`` or ``grpc``), the
exporters' own ``OTEL_EXPORTER_OTLP_*ENDPOINT`` and headers, ``OTEL_SERVICE_NAME`` and
``OTEL_RESOURCE_ATTRIBUTES``. Off by default: then every step is one attribute check on a shared no-op
object. Each app has its own ``TracerProvider`` (no global one is set), so two gateways in one process never
mix their spans.

Attributes follow the OpenTelemetry GenAI semantic conventions (``gen_ai.operation.name``,
``gen_ai.request.model``, ``gen_ai.usage.input_tokens``...) plus ``paramstack.tenant`` and
``paramstack.adapter``. Prompt text, output text and keys never go into a span. The caller's W3C
``traceparent`` is honoured, and ``propagation_headers`` carries the current span to the upstreams.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import Span, Tracer

LOG = logging.getLogger("paramstack.tracing")
OPERATION_NAMES = {
    "chat": "chat",
    "text": "text_completion",
    "responses": "chat",
    "messages": "chat",
    "embeddings": "embeddings",
}


def propagation_headers() -> dict[str, str]:
    """W3C trace context of the current span, for a request to an upstream ({} when nothing is traced)."""
    from opentelemetry import trace
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    if not trace.get_current_span().get_span_context().is_valid:
        return {}
    headers: dict[str, str] = {}
    TraceContextTextMapPropagator().inject(headers)
    return headers


class CallTrace:
    """The spans of one call. This base class is the no-op one (tracing off)."""

    def step(self, name: str) -> Any:
        return _NO_STEP

    def set(self, attributes: Mapping[str, Any]) -> None:
        return None

    def first_token(self) -> None:
        return None

    def record(self, name: str, seconds: float) -> None:
        """A step whose time is spread over the call (the output guard between engine chunks): one span, as long
        as the time it took in all, ending now."""
        return None

    def end(self, error: BaseException | None = None) -> None:
        return None


@contextmanager
def ended_on_error(trace: CallTrace) -> Iterator[None]:
    """Until a call's events start (its preparation), an error ends its trace; afterwards the pipeline does."""
    try:
        yield
    except BaseException as error:
        trace.end(error)
        raise


class _NoStep:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


_NO_STEP = _NoStep()
NO_TRACE = CallTrace()


class _SpanTrace(CallTrace):
    def __init__(self, tracer: Tracer, name: str, operation: str, headers: Mapping[str, str]) -> None:
        from opentelemetry.trace import SpanKind
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

        parent = TraceContextTextMapPropagator().extract(
            carrier={k.lower(): v for k, v in headers.items() if k.lower() in ("traceparent", "tracestate")}
        )
        self._tracer = tracer
        self._started = time.perf_counter()
        self._span: Span = tracer.start_span(
            name, context=parent, kind=SpanKind.SERVER, attributes={"gen_ai.operation.name": operation}
        )
        self._ended = False

    @contextmanager
    def step(self, name: str) -> Iterator[Span]:
        from opentelemetry import trace

        span = self._tracer.start_span(name, context=trace.set_span_in_context(self._span))
        try:
            with trace.use_span(span, end_on_exit=False, record_exception=True, set_status_on_exception=True):
                yield span
        finally:
            span.end()

    def set(self, attributes: Mapping[str, Any]) -> None:
        self._span.set_attributes({k: v for k, v in attributes.items() if v is not None})

    def first_token(self) -> None:
        self._span.set_attribute("gen_ai.server.time_to_first_token", time.perf_counter() - self._started)

    def record(self, name: str, seconds: float) -> None:
        from opentelemetry import trace

        now = time.time_ns()
        span = self._tracer.start_span(
            name, context=trace.set_span_in_context(self._span), start_time=now - int(seconds * 1e9)
        )
        span.end(end_time=now)

    def end(self, error: BaseException | None = None) -> None:
        if self._ended:
            return
        self._ended = True
        if error is not None:
            from opentelemetry.trace import Status, StatusCode

            self._span.set_attribute("error.type", getattr(error, "code", None) or type(error).__name__)
            self._span.set_status(Status(StatusCode.ERROR, type(error).__name__))
        self._span.end()


class Tracing:
    """Builds the call traces of one app; ``Tracing(None)`` is tracing off."""

    def __init__(self, provider: TracerProvider | None) -> None:
        self._provider = provider
        self._tracer = provider.get_tracer("paramstack.gateway") if provider is not None else None

    @property
    def enabled(self) -> bool:
        return self._tracer is not None

    def begin(self, protocol: str, headers: Mapping[str, str]) -> CallTrace:
        if self._tracer is None:
            return NO_TRACE
        operation = OPERATION_NAMES.get(protocol, protocol)
        return _SpanTrace(self._tracer, f"{operation} paramstack", operation, headers)

    def shutdown(self) -> None:
        if self._provider is not None:
            self._provider.shutdown()


def tracing_from_environment(
    on_export_failure: Callable[[], None], environ: Mapping[str, str] | None = None
) -> Tracing:
    """The app's tracing as the ``OTEL_*`` variables configure it (off unless an exporter is named)."""
    env = os.environ if environ is None else environ
    names = [n.strip() for n in env.get("OTEL_TRACES_EXPORTER", "none").split(",") if n.strip()]
    if env.get("OTEL_SDK_DISABLED", "").lower() == "true" or not names or names == ["none"]:
        return Tracing(None)
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    from paramstack.observability.span_export import CountingExporter

    provider = TracerProvider(
        resource=Resource.create({"service.name": env.get("OTEL_SERVICE_NAME", "paramstack-gateway")})
    )
    for name in names:
        if name == "console":
            exporter: SpanExporter = ConsoleSpanExporter()
        elif name == "otlp":
            exporter = _otlp_exporter(env)
        elif name == "none":
            continue
        else:
            from paramstack.errors import ConfigurationError

            raise ConfigurationError(f"OTEL_TRACES_EXPORTER={name!r} is not supported: use otlp, console or none")
        provider.add_span_processor(BatchSpanProcessor(CountingExporter(exporter, on_export_failure)))
    return Tracing(provider)


def _otlp_exporter(env: Mapping[str, str]) -> SpanExporter:
    protocol = (
        env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or env.get("OTEL_EXPORTER_OTLP_PROTOCOL") or "http/protobuf"
    )
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter

        return GrpcExporter()
    if protocol in ("http/protobuf", "http"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter

        return HttpExporter()
    from paramstack.errors import ConfigurationError

    raise ConfigurationError(f"OTLP protocol {protocol!r} is not supported: use http/protobuf or grpc")
