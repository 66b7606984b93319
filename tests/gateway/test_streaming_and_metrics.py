"""Streaming details a client notices: SSE framing, [DONE], disconnects stopping generation, metrics."""

from __future__ import annotations

import json
import re
import time

import httpx

MODEL = "paramstack-tiny"


def metric(gateway, name: str, **labels: str) -> float:
    text = httpx.get(f"{gateway.root_url}/metrics").text
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_sse_framing_is_openais(gateway):
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5, "stream": True}
    with httpx.stream("POST", f"{gateway.base_url}/chat/completions", json=body, timeout=60,
                      headers={"authorization": f"Bearer {gateway.key('org_ailydian')}"}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        raw = response.read().decode()
    events = [e for e in raw.split("\n\n") if e]
    assert all(e.startswith("data: ") for e in events)
    assert events[-1] == "data: [DONE]"
    chunks = [json.loads(e.removeprefix("data: ")) for e in events[:-1]]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert len({c["id"] for c in chunks}) == 1
    assert all("usage" not in c for c in chunks)  # not asked for: no usage field at all


def test_client_disconnect_stops_generation(gateway):
    org = "org_ailydian"
    before = metric(gateway, "paramstack_requests_total", tenant=org, status="cancelled")
    body = {"model": MODEL, "messages": [{"role": "user", "content": "Tell me a long story"}],
            "max_tokens": 400, "stream": True, "temperature": 1.0, "seed": 1}
    with httpx.stream("POST", f"{gateway.base_url}/chat/completions", json=body, timeout=60,
                      headers={"authorization": f"Bearer {gateway.key(org)}"}) as response:
        lines = response.iter_lines()
        for _ in range(3):
            next(lines)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and metric(gateway, "paramstack_requests_total", tenant=org,
                                                 status="cancelled") == before:
        time.sleep(0.2)
    assert metric(gateway, "paramstack_requests_total", tenant=org, status="cancelled") == before + 1


def test_metrics_follow_genai_conventions(gateway):
    api_key = gateway.key("org_legal")
    httpx.post(f"{gateway.base_url}/chat/completions", headers={"authorization": f"Bearer {api_key}"}, timeout=60,
               json={"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 3})
    text = httpx.get(f"{gateway.root_url}/metrics").text
    for name in ("gen_ai_server_request_duration_seconds_bucket", "gen_ai_server_time_to_first_token_seconds_bucket",
                 "gen_ai_client_token_usage_bucket"):
        assert re.search(rf'^{name}{{.*tenant="org_legal"', text, re.M), name
    assert metric(gateway, "paramstack_tokens_total", tenant="org_legal", gen_ai_token_type="input") > 0
    assert api_key not in text


def test_health_and_readiness(gateway):
    assert httpx.get(f"{gateway.root_url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{gateway.root_url}/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"engines": "ok", "database": "ok"}


def test_logs_hold_no_keys_or_prompt_text(gateway):
    secret_prompt = "my secret prompt 8c1f"
    httpx.post(f"{gateway.base_url}/chat/completions", timeout=60,
               headers={"authorization": f"Bearer {gateway.key('org_legal')}"},
               json={"model": MODEL, "messages": [{"role": "user", "content": secret_prompt}], "max_tokens": 2})
    log = (gateway.home / "serve.log").read_text()
    assert secret_prompt not in log
    assert all(t["api_key"] not in log for t in gateway.tenants)
    assert gateway.admin_key not in log
