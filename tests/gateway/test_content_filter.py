"""An output the guard blocks is a filtered completion, as OpenAI and Azure report it: HTTP 200,
``finish_reason: "content_filter"``, no blocked text, the findings in ``content_filter_results``; streamed,
the text stops at the last safe byte. The audit and the ledger record the call as delivered, and the
attestation covers exactly the text that was sent."""

from __future__ import annotations

import json

import httpx
import openai
import pytest

from tests.gateway.conftest import TEST_POLICIES
from tests.gateway_process import start_gateway
from tests.scripted_upstream import scripted_upstream

PIECES = ["The contact is ", "written below, ", "so please mail ", "ayse@example.com today."]


@pytest.fixture(scope="module")
def filtered(tmp_path_factory):
    with scripted_upstream(PIECES) as upstream:
        config = {
            "models": [{"name": "scripted", "backend": "openai", "base_url": upstream.url}],
            "guard": {"policy_dir": str(TEST_POLICIES)},
        }
        server = start_gateway(tmp_path_factory.mktemp("filtered"), config, init_args=())
        server.cli("tenants", "add", "org_filter", "--name", "Filter", "--guard-policy", "filter_out", check=True)
        key = json.loads(server.cli("keys", "create", "--tenant", "org_filter", "--json", check=True).stdout)
        yield server, openai.OpenAI(base_url=server.base_url, api_key=key["api_key"], max_retries=0)
        server.stop()


def audit_entries(server) -> list[dict]:
    out = server.cli("audit", "export", "--tenant", "org_filter", check=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_a_blocked_answer_is_a_200_with_finish_reason_content_filter(filtered):
    server, client = filtered
    raw = client.chat.completions.with_raw_response.create(
        model="scripted", messages=[{"role": "user", "content": "Who do I write to?"}]
    )
    assert raw.status_code == 200
    reply = raw.parse()
    choice = reply.choices[0]
    assert choice.finish_reason == "content_filter"
    assert "example.com" not in (choice.message.content or "")
    assert choice.model_extra["content_filter_results"] == {
        "pii": {"filtered": True, "detected": True, "types": ["EMAIL"]}
    }
    body = json.loads(raw.text)
    entry = next(e for e in audit_entries(server) if e["request_id"] == reply.id)
    assert (entry["status"], entry["http_status"], entry["code"]) == ("ok", 200, "content_filter")
    assert entry["guard"] == {"pii.EMAIL": 1}
    assert body["attestation"]["output_sha256"]


def test_a_blocked_stream_stops_at_the_last_safe_byte(filtered):
    server, client = filtered
    chunks = list(
        client.chat.completions.create(
            model="scripted",
            stream=True,
            stream_options={"include_usage": True},
            messages=[{"role": "user", "content": "Who do I write to?"}],
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    reasons = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert reasons == ["content_filter"]
    assert "example.com" not in text and "ayse" not in text
    assert text.startswith("The contact is written below")
    usage = next(c.usage for c in chunks if c.usage)
    ledger = json.loads(server.cli("usage", "--tenant", "org_filter", "--json", check=True).stdout)
    assert usage.completion_tokens > 0 and ledger


def test_the_filtered_stream_verifies_over_the_delivered_text(filtered, tmp_path):
    server, client = filtered
    key = client.api_key
    transcript = httpx.post(
        f"{server.base_url}/chat/completions",
        headers={"authorization": f"Bearer {key}"},
        json={"model": "scripted", "stream": True, "messages": [{"role": "user", "content": "Who?"}]},
        timeout=60,
    ).text
    assert '"finish_reason":"content_filter"' in transcript
    saved, tampered = tmp_path / "stream.txt", tmp_path / "tampered.txt"
    saved.write_text(transcript, encoding="utf-8")
    tampered.write_text(transcript.replace("written below", "written above"), encoding="utf-8")
    keys_url = f"{server.root_url}/v1/attestation/keys"
    assert server.cli("attest", "verify", str(saved), "--keys-url", keys_url).returncode == 0
    assert server.cli("attest", "verify", str(tampered), "--keys-url", keys_url).returncode != 0
