"""OpenTelemetry traces of a call: one server span per call with a child span per pipeline step, GenAI
semantic-convention attributes and no prompt text, the caller's ``traceparent`` honoured and carried on to
the upstream. Spans go to the SDK's in-memory exporter; the upstream is a recording stand-in."""

from __future__ import annotations

import openai
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from paramstack.gateway.app import create_app
from paramstack.observability.tracing import Tracing, tracing_from_environment
from paramstack.settings import ModelSettings, Settings
from paramstack.storage.database import create_db_engine
from paramstack.storage.migrate import upgrade_to_head
from paramstack.tenancy.keys import KeyStore
from paramstack.tenancy.models import TenantSpec
from paramstack.tenancy.store import TenantStore
from tests.deploy.servers import Recorder, ThreadedServer

CALLER_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{CALLER_TRACE_ID}-00f067aa0ba902b7-01"
SECRET_PROMPT = "my private question about Ankara"
ANSWER = {
    "id": "up-1",
    "object": "chat.completion",
    "created": 0,
    "model": "base",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Merhaba"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9},
}


@pytest.fixture()
def traced(tmp_path):
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    upstream = Recorder(ANSWER)
    with ThreadedServer(upstream.app) as up:
        settings = Settings(
            home=tmp_path,
            database_url=f"sqlite:///{tmp_path / 'p.db'}",
            log_level="warning",
            models=[ModelSettings(name="upstream", backend="openai", base_url=up.url, retries=0)],
        )
        database = create_db_engine(settings.resolved_database_url)
        upgrade_to_head(database)
        TenantStore(database).add("org_traced", TenantSpec(name="Traced", models=["upstream"]))
        _, key = KeyStore(database).create("org_traced", name="t")
        with ThreadedServer(create_app(settings, tracing=Tracing(provider))) as gateway:
            yield openai.OpenAI(base_url=f"{gateway.url}/v1", api_key=key, max_retries=0), exporter, upstream
        database.dispose()


def test_one_call_gives_the_span_tree_and_carries_the_trace_upstream(traced):
    client, exporter, upstream = traced
    reply = client.chat.completions.create(
        model="upstream",
        messages=[{"role": "user", "content": SECRET_PROMPT}],
        extra_headers={"traceparent": TRACEPARENT},
    )
    spans = exporter.get_finished_spans()
    root = next(s for s in spans if s.name == "chat paramstack")
    assert f"{root.context.trace_id:032x}" == CALLER_TRACE_ID  # continues the caller's trace
    children = {s.name: s for s in spans if s.parent is not None and s.parent.span_id == root.context.span_id}
    assert {
        "authentication",
        "resolution",
        "input_guard",
        "admission",
        "engine",
        "output_guard",
        "signing",
        "settlement",
        "audit",
    } <= set(children)
    attributes = root.attributes
    assert attributes["gen_ai.operation.name"] == "chat"
    assert attributes["gen_ai.request.model"] == "upstream"
    assert attributes["gen_ai.response.id"] == reply.id
    assert (attributes["gen_ai.usage.input_tokens"], attributes["gen_ai.usage.output_tokens"]) == (7, 2)
    assert attributes["paramstack.tenant"] == "org_traced"
    assert "gen_ai.server.time_to_first_token" in attributes
    for span in spans:  # no prompt or answer text, no key, in any span
        values = " ".join(str(v) for v in span.attributes.values())
        assert "Ankara" not in values and "Merhaba" not in values and client.api_key not in values
    sent = upstream.requests[-1].headers["traceparent"]
    assert sent.split("-")[1] == CALLER_TRACE_ID
    assert sent.split("-")[2] == f"{children['engine'].context.span_id:016x}"


def test_a_refused_call_ends_its_span_with_the_error(traced):
    client, exporter, _ = traced
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="nothing", messages=[{"role": "user", "content": "hi"}])
    root = next(s for s in exporter.get_finished_spans() if s.name == "chat paramstack")
    assert root.attributes["error.type"] == "model_not_found"
    assert not root.status.is_ok


def test_tracing_is_off_unless_an_exporter_is_named():
    failures: list[int] = []
    assert not tracing_from_environment(lambda: failures.append(1), environ={}).enabled
    assert not tracing_from_environment(lambda: failures.append(1), environ={"OTEL_TRACES_EXPORTER": "none"}).enabled
    on = tracing_from_environment(lambda: failures.append(1), environ={"OTEL_TRACES_EXPORTER": "console"})
    assert on.enabled
    on.shutdown()


def test_an_unreachable_collector_is_counted_and_never_fails_a_call():
    failures: list[int] = []
    tracing = tracing_from_environment(
        lambda: failures.append(1),
        environ={
            "OTEL_TRACES_EXPORTER": "otlp",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:9/v1/traces",
            "OTEL_EXPORTER_OTLP_TIMEOUT": "1",
        },
    )
    trace = tracing.begin("chat", {})
    with trace.step("engine"):
        pass
    trace.end()
    tracing.shutdown()  # flushes: the export fails, and is counted
    assert failures
