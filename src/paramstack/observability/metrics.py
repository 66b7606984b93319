"""Prometheus metrics of one gateway (own registry per app, so two apps in one process never collide).

Names follow the OpenTelemetry GenAI semantic conventions where they exist
(gen_ai.server.request.duration, gen_ai.server.time_to_first_token, gen_ai.client.token.usage),
with dots as underscores as Prometheus wants them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

if TYPE_CHECKING:
    from paramstack.calls import UsageCounts
    from paramstack.guard.result import Finding

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536)
# The gateway's own time per request is a few milliseconds: buckets fine enough to see a regression of 0.5 ms.
OVERHEAD_BUCKETS = (0.0005, 0.001, 0.0015, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 1)
SCORE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


class _CompletionSeries(NamedTuple):
    """The labelled children one (tenant, model, status) updates on every request, looked up once."""

    duration: Histogram
    requests: Counter
    input_usage: Histogram
    output_usage: Histogram
    input_tokens: Counter
    output_tokens: Counter


class GatewayMetrics:
    def __init__(self) -> None:
        self._series: dict[tuple[str, str, str], _CompletionSeries] = {}  # labels() costs ~3 us per call
        self.registry = CollectorRegistry()
        labels = ("tenant", "model")
        self.request_duration = Histogram(
            "gen_ai_server_request_duration_seconds",
            "Time to serve one generation request.",
            [*labels, "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.time_to_first_token = Histogram(
            "gen_ai_server_time_to_first_token_seconds",
            "Time from request to the first output text.",
            labels,
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.token_usage = Histogram(
            "gen_ai_client_token_usage",
            "Tokens per request by type (input, output).",
            [*labels, "gen_ai_token_type"],
            buckets=TOKEN_BUCKETS,
            registry=self.registry,
        )
        self.tokens = Counter(
            "paramstack_tokens",
            "Tokens processed, by tenant, model and type.",
            [*labels, "gen_ai_token_type"],
            registry=self.registry,
        )
        # The gateway's own time per request, the upstream/engine wait excluded (x-paramstack-overhead-ms).
        self.gateway_overhead = Histogram(
            "paramstack_gateway_overhead_seconds",
            "The gateway's own time per completion request (authentication "
            "to last byte handed to the server), excluding the time spent waiting on the engine or upstream.",
            ("protocol", "stream"),
            buckets=OVERHEAD_BUCKETS,
            registry=self.registry,
        )
        self._overhead_series: dict[tuple[str, bool], Histogram] = {}
        self.requests = Counter(
            "paramstack_requests", "Generation requests by outcome.", [*labels, "status"], registry=self.registry
        )
        self.errors = Counter(
            "paramstack_http_errors",
            "Error responses by HTTP status and error code.",
            ("status_code", "code"),
            registry=self.registry,
        )
        self.guard_findings = Counter(
            "paramstack_guard_findings",
            "Guard findings by tenant, check and type.",
            ("tenant", "check", "type"),
            registry=self.registry,
        )
        self.trace_export_failures = Counter(
            "paramstack_trace_export_failures",
            "Batches of spans the OTLP/console exporter could not send.",
            registry=self.registry,
        )
        # Per adapter version: what the canary controller judges a rollout on (engine/version_tap.py).
        version_labels = ("tenant", "adapter", "version")
        self.version_requests = Counter(
            "paramstack_adapter_version_requests",
            "Requests per adapter version by outcome (ok, error, guard_blocked, cancelled).",
            [*version_labels, "outcome"],
            registry=self.registry,
        )
        self.version_duration = Histogram(
            "paramstack_adapter_version_request_duration_seconds",
            "Engine time per request, per adapter version.",
            version_labels,
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.version_ttft = Histogram(
            "paramstack_adapter_version_time_to_first_token_seconds",
            "Time to the first output text, per adapter version.",
            version_labels,
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.version_judge_score = Histogram(
            "paramstack_adapter_version_judge_score",
            "Online judge scores (0..1) of sampled responses, per adapter version.",
            version_labels,
            buckets=SCORE_BUCKETS,
            registry=self.registry,
        )

    def observe_completion(self, tenant: str, model: str, status: str, seconds: float, usage: UsageCounts) -> None:
        series = self._series.get((tenant, model, status))
        if series is None:
            series = self._series[(tenant, model, status)] = _CompletionSeries(
                self.request_duration.labels(tenant, model, status),
                self.requests.labels(tenant, model, status),
                self.token_usage.labels(tenant, model, "input"),
                self.token_usage.labels(tenant, model, "output"),
                self.tokens.labels(tenant, model, "input"),
                self.tokens.labels(tenant, model, "output"),
            )
        series.duration.observe(seconds)
        series.requests.inc()
        series.input_usage.observe(usage.prompt_tokens)
        series.output_usage.observe(usage.completion_tokens)
        series.input_tokens.inc(usage.prompt_tokens)
        series.output_tokens.inc(usage.completion_tokens)

    def observe_overhead(self, protocol: str, streamed: bool, seconds: float) -> None:
        series = self._overhead_series.get((protocol, streamed))
        if series is None:
            series = self._overhead_series[(protocol, streamed)] = self.gateway_overhead.labels(
                protocol, "true" if streamed else "false"
            )
        series.observe(seconds)

    def observe_findings(self, tenant: str, findings: list[Finding]) -> None:
        for finding in findings:
            self.guard_findings.labels(tenant, finding.check, finding.type).inc()

    def observe_error(self, status_code: int, code: str | None) -> None:
        self.errors.labels(str(status_code), code or "none").inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
