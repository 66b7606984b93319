"""Streaming details a client notices: SSE framing, [DONE], disconnects stopping generation, metrics."""

from __future__ import annotations

import json
import re
import socket
import time

import httpx

from tests.gateway.prometheus_text import metric

MODEL = "paramstack-tiny"


def test_sse_framing_is_openais(gateway):
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5, "stream": True}
    with httpx.stream(
        "POST",
        f"{gateway.base_url}/chat/completions",
        json=body,
        timeout=60,
        headers={"authorization": f"Bearer {gateway.key('org_ailydian')}"},
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        raw = response.read().decode()
    events = [e for e in raw.split("\n\n") if e]
    assert events[-1] == "data: [DONE]"
    # paramstack's one addition: a named event with the attestation, just before [DONE].
    assert events[-2].startswith("event: attestation\ndata: ")
    assert all(e.startswith("data: ") for e in events[:-2])
    chunks = [json.loads(e.split("data: ", 1)[1]) for e in events[:-1]]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert len({c["id"] for c in chunks}) == 1
    assert all("usage" not in c for c in chunks)  # not asked for: no usage field at all
    assert chunks[-1]["choices"] == [] and chunks[-1]["attestation"]["signature"]


def disconnect_after_first_event(gateway, body: dict, api_key: str) -> None:
    """What a client that goes away does: read the start of the stream, then close the socket."""
    url = httpx.URL(gateway.base_url)
    payload = json.dumps(body).encode()
    request = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: {url.host}\r\nAuthorization: Bearer {api_key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    ).encode() + payload
    with socket.create_connection((url.host, url.port), timeout=30) as connection:
        connection.sendall(request)
        received = b""
        while b"data: " not in received:
            received += connection.recv(4096)


def test_client_disconnect_stops_generation(gateway):
    org = "org_open"  # no output guard: its hold-back buffer would decide when text arrives
    body = {
        "model": MODEL,
        "messages": [{"role": "user", "content": "Tell me a long story"}],
        "max_tokens": 400,
        "temperature": 0,
    }
    headers = {"authorization": f"Bearer {gateway.key(org)}"}
    whole = httpx.post(f"{gateway.base_url}/chat/completions", json=body, headers=headers, timeout=120).json()
    assert whole["choices"][0]["finish_reason"] == "length"  # this prompt really runs to max_tokens
    before = metric(gateway, "paramstack_requests_total", tenant=org, status="cancelled")
    tokens_before = metric(gateway, "gen_ai_client_token_usage_sum", tenant=org, gen_ai_token_type="output")
    disconnect_after_first_event(gateway, {**body, "stream": True}, gateway.key(org))
    deadline = time.monotonic() + 15
    while (
        time.monotonic() < deadline
        and metric(gateway, "paramstack_requests_total", tenant=org, status="cancelled") == before
    ):
        time.sleep(0.2)
    assert metric(gateway, "paramstack_requests_total", tenant=org, status="cancelled") == before + 1
    # Generation stopped early: the cancelled request was charged far fewer tokens than a full one.
    tokens_after = metric(gateway, "gen_ai_client_token_usage_sum", tenant=org, gen_ai_token_type="output")
    assert tokens_after - tokens_before < 400


def test_metrics_follow_genai_conventions(gateway):
    api_key = gateway.key("org_legal")
    httpx.post(
        f"{gateway.base_url}/chat/completions",
        headers={"authorization": f"Bearer {api_key}"},
        timeout=60,
        json={"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 3},
    )
    text = httpx.get(gateway.metrics_url).text
    for name in (
        "gen_ai_server_request_duration_seconds_bucket",
        "gen_ai_server_time_to_first_token_seconds_bucket",
        "gen_ai_client_token_usage_bucket",
    ):
        assert re.search(rf'^{name}{{.*tenant="org_legal"', text, re.M), name
    assert metric(gateway, "paramstack_tokens_total", tenant="org_legal", gen_ai_token_type="input") > 0
    assert api_key not in text


def test_health_and_readiness(gateway):
    assert httpx.get(f"{gateway.root_url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{gateway.root_url}/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"engines": "ok", "database": "ok"}


def test_logs_hold_no_keys_or_prompt_text(gateway):
    secret_prompt = "my secret prompt 8c1f"
    httpx.post(
        f"{gateway.base_url}/chat/completions",
        timeout=60,
        headers={"authorization": f"Bearer {gateway.key('org_legal')}"},
        json={"model": MODEL, "messages": [{"role": "user", "content": secret_prompt}], "max_tokens": 2},
    )
    log = (gateway.home / "serve.log").read_text()
    assert secret_prompt not in log
    assert all(t["api_key"] not in log for t in gateway.tenants)
    assert gateway.admin_key not in log


def test_every_completion_says_the_gateways_own_time(gateway):
    """x-paramstack-overhead-ms on whole and streamed answers, and the histogram counting both (no timing bound)."""
    headers = {"authorization": f"Bearer {gateway.key('org_open')}"}
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 3}
    before = metric(gateway, "paramstack_gateway_overhead_seconds_count", protocol="chat")
    whole = httpx.post(f"{gateway.base_url}/chat/completions", json=body, headers=headers, timeout=60)
    assert whole.status_code == 200 and float(whole.headers["x-paramstack-overhead-ms"]) >= 0
    with httpx.stream(
        "POST", f"{gateway.base_url}/chat/completions", json={**body, "stream": True}, headers=headers, timeout=60
    ) as streamed:
        assert float(streamed.headers["x-paramstack-overhead-ms"]) >= 0
        streamed.read()
    deadline = time.monotonic() + 10  # the stream's figure is observed as its generator closes
    while (
        time.monotonic() < deadline
        and metric(gateway, "paramstack_gateway_overhead_seconds_count", protocol="chat") < before + 2
    ):
        time.sleep(0.1)
    assert metric(gateway, "paramstack_gateway_overhead_seconds_count", protocol="chat", stream="false") >= 1
    assert metric(gateway, "paramstack_gateway_overhead_seconds_count", protocol="chat", stream="true") >= 1
