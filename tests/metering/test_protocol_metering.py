"""Limits, quotas and the ledger on the Responses and Messages routes, as on chat (one embedded gateway in
front of the OpenAI-compatible stub upstream, bench/upstream_stub.py)."""

from __future__ import annotations

import json
import time
import uuid

import anthropic
import httpx
import openai
import pytest
import sqlalchemy as sa

from paramstack.metering.tables import usage_ledger
from paramstack.storage.database import create_db_engine
from tests.gateway_process import start_gateway
from tests.metering.cluster import FAST_MODEL, SLOW_MODEL, start_stub, stub_models

RETENTION_S = 2.0


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    fast, slow = start_stub(delay_ms=5), start_stub(token_delay_ms=30)
    home = tmp_path_factory.mktemp("protocol-metering")
    # Stored responses expire after ~2 seconds here (retention is in days), so expiry can be seen.
    server = start_gateway(
        home,
        {
            "models": stub_models(fast, slow),
            "log_level": "warning",
            "responses": {"retention_days": RETENTION_S / 86400},
        },
        init_args=(),
    )
    try:
        yield server
    finally:
        server.stop()
        fast.stop()
        slow.stop()


def tenant(server, **limits: int) -> tuple[str, str]:
    org_id = f"org_{uuid.uuid4().hex[:10]}"
    flags = [f"--{name.replace('_', '-')}={value}" for name, value in limits.items()]
    added = server.cli("tenants", "add", org_id, "--model", FAST_MODEL, "--model", SLOW_MODEL, *flags, "--json")
    assert added.returncode == 0, added.stderr
    return org_id, json.loads(server.cli("keys", "create", "--tenant", org_id, "--json", check=True).stdout)["api_key"]


def ledger(server, org_id: str) -> dict[str, dict]:
    engine = create_db_engine(f"sqlite:///{server.home / 'paramstack.db'}")
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.select(usage_ledger).where(usage_ledger.c.org_id == org_id))
            return {r.request_id: dict(r._mapping) for r in rows}
    finally:
        engine.dispose()


def wait_for_rows(server, org_id: str, count: int) -> dict[str, dict]:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        rows = ledger(server, org_id)
        if len(rows) >= count:
            return rows
        time.sleep(0.2)
    raise AssertionError(f"{count} ledger rows expected, found {len(ledger(server, org_id))}")


def test_the_ledger_equals_the_usage_each_protocol_delivered(served):
    org_id, key = tenant(served, rpm=1000, tps=1000, daily_tokens=1_000_000)
    responses = openai.OpenAI(base_url=served.base_url, api_key=key, max_retries=0)
    messages = anthropic.Anthropic(base_url=served.root_url, api_key=key, max_retries=0)
    delivered: dict[str, tuple[int, int]] = {}
    chat = responses.chat.completions.create(
        model=FAST_MODEL, messages=[{"role": "user", "content": "a b c"}], max_tokens=5
    )
    delivered[chat.id] = (chat.usage.prompt_tokens, chat.usage.completion_tokens)
    whole = responses.responses.create(model=FAST_MODEL, input="a b c d", max_output_tokens=16, store=False)
    delivered[whole.id] = (whole.usage.input_tokens, whole.usage.output_tokens)
    streamed = list(
        responses.responses.create(model=FAST_MODEL, input="a b", max_output_tokens=16, stream=True, store=False)
    )[-1].response
    delivered[streamed.id] = (streamed.usage.input_tokens, streamed.usage.output_tokens)
    message = messages.messages.create(model=FAST_MODEL, max_tokens=6, messages=[{"role": "user", "content": "x"}])
    delivered[message.id] = (message.usage.input_tokens, message.usage.output_tokens)
    with messages.messages.stream(model=FAST_MODEL, max_tokens=7, messages=[{"role": "user", "content": "y z"}]) as s:
        final = s.get_final_message()
    delivered[final.id] = (final.usage.input_tokens, final.usage.output_tokens)
    rows = wait_for_rows(served, org_id, len(delivered))
    assert {rid: (r["prompt_tokens"], r["completion_tokens"]) for rid, r in rows.items()} == delivered
    assert all(r["delivered"] for r in rows.values())


@pytest.mark.parametrize("protocol", ["responses", "messages"])
def test_an_aborted_stream_is_billed_for_what_it_produced(served, protocol):
    org_id, key = tenant(served, rpm=1000, tps=1000, max_concurrent=1, daily_tokens=1_000_000)
    if protocol == "responses":
        url, body = (
            f"{served.base_url}/responses",
            {"model": SLOW_MODEL, "input": "a", "max_output_tokens": 64, "stream": True},
        )
        first_text = "response.output_text.delta"
    else:
        url, body = (
            f"{served.root_url}/v1/messages",
            {"model": SLOW_MODEL, "max_tokens": 64, "stream": True, "messages": [{"role": "user", "content": "a"}]},
        )
        first_text = "text_delta"
    with httpx.stream("POST", url, json=body, timeout=30, headers={"authorization": f"Bearer {key}"}) as reply:
        assert reply.status_code == 200
        for line in reply.iter_lines():
            if first_text in line:
                break  # the first words arrived: hang up
    (row,) = wait_for_rows(served, org_id, 1).values()
    assert row["delivered"] is False and 1 <= row["completion_tokens"] < 64
    # The one concurrency slot came back.
    again = httpx.post(
        url, json={**body, "model": FAST_MODEL, "stream": False}, timeout=30, headers={"authorization": f"Bearer {key}"}
    )
    assert again.status_code == 200, again.text


def test_rate_limits_answer_429_in_each_protocols_shape(served):
    _, key = tenant(served, rpm=1, tps=1000, daily_tokens=1_000_000)
    api = openai.OpenAI(base_url=served.base_url, api_key=key, max_retries=0)
    api.responses.create(model=FAST_MODEL, input="one", max_output_tokens=16)
    with pytest.raises(openai.RateLimitError) as in_responses:
        api.responses.create(model=FAST_MODEL, input="two", max_output_tokens=16)
    assert in_responses.value.code == "rate_limit_exceeded"
    refused = httpx.post(
        f"{served.root_url}/v1/messages",
        timeout=30,
        headers={"x-api-key": key},
        json={"model": FAST_MODEL, "max_tokens": 4, "messages": [{"role": "user", "content": "x"}]},
    )
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert refused.json()["error"]["type"] == "rate_limit_error" and refused.json()["type"] == "error"


def test_the_daily_quota_applies_to_the_new_routes(served):
    _, key = tenant(served, rpm=1000, tps=1000, daily_tokens=40)
    with pytest.raises(openai.RateLimitError) as in_responses:
        openai.OpenAI(base_url=served.base_url, api_key=key, max_retries=0).responses.create(
            model=FAST_MODEL, input="tell me " * 10, max_output_tokens=64
        )
    assert in_responses.value.code == "insufficient_quota"
    with pytest.raises(anthropic.RateLimitError) as in_messages:
        anthropic.Anthropic(base_url=served.root_url, api_key=key, max_retries=0).messages.create(
            model=FAST_MODEL, max_tokens=64, messages=[{"role": "user", "content": "tell me " * 10}]
        )
    assert in_messages.value.body["error"]["type"] == "rate_limit_error"


def test_an_expired_response_is_gone_for_retrieve_and_for_previous_response_id(served):
    _, key = tenant(served, rpm=1000, tps=1000, daily_tokens=1_000_000)
    api = openai.OpenAI(base_url=served.base_url, api_key=key, max_retries=0)
    kept = api.responses.create(model=FAST_MODEL, input="remember this", max_output_tokens=16)
    assert api.responses.retrieve(kept.id).id == kept.id
    time.sleep(RETENTION_S + 0.5)
    with pytest.raises(openai.NotFoundError):
        api.responses.retrieve(kept.id)
    with pytest.raises(openai.BadRequestError) as continued:
        api.responses.create(model=FAST_MODEL, input="and?", previous_response_id=kept.id, max_output_tokens=16)
    assert continued.value.body["param"] == "previous_response_id"
