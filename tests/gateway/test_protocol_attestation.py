"""Responses-API and Messages-API answers are signed like chat; `paramstack attest verify` checks them."""

from __future__ import annotations

import json

import httpx

from tests.gateway.test_attestation_in_gateway import verify_cli

MODEL = "paramstack-tiny"


def post(gateway, path: str, body: dict, **kwargs) -> httpx.Response:
    return httpx.post(
        f"{gateway.root_url}{path}",
        json=body,
        timeout=60,
        headers={"authorization": f"Bearer {gateway.key('org_medical')}"},
        **kwargs,
    )


def stream_transcript(gateway, path: str, body: dict) -> str:
    with httpx.stream(
        "POST",
        f"{gateway.root_url}{path}",
        json={**body, "stream": True},
        timeout=60,
        headers={"authorization": f"Bearer {gateway.key('org_medical')}"},
    ) as response:
        assert response.status_code == 200
        return response.read().decode()


def tamper_first_delta(transcript: str, field: str) -> str:
    lines = transcript.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("data:") and f'"{field}":"' in line:
            lines[index] = line.replace(f'"{field}":"', f'"{field}":"X', 1)
            return "\n".join(lines)
    raise AssertionError(f"no {field} in the stream")


def test_a_responses_body_verifies_and_a_change_is_caught(gateway, tmp_path):
    reply = post(
        gateway, "/v1/responses", {"model": MODEL, "input": "KVKK nedir?", "max_output_tokens": 16, "store": False}
    )
    assert reply.headers["x-paramstack-attestation"].count(".") == 1
    code, verdict = verify_cli(gateway, tmp_path, reply.text)
    assert code == 0 and verdict["valid"] is True, verdict
    body = reply.json()
    body["output"][0]["content"][0]["text"] += "!"
    code, verdict = verify_cli(gateway, tmp_path, json.dumps(body))
    assert code == 1 and verdict["problem"] == "hash_mismatch"


def test_a_streamed_responses_output_verifies_and_a_tampered_one_fails(gateway, tmp_path):
    transcript = stream_transcript(
        gateway,
        "/v1/responses",
        {"model": MODEL, "input": "KVKK nedir?", "temperature": 0, "max_output_tokens": 16, "store": False},
    )
    code, verdict = verify_cli(gateway, tmp_path, transcript)
    assert code == 0 and verdict["valid"] is True, verdict
    code, verdict = verify_cli(gateway, tmp_path, tamper_first_delta(transcript, "delta"))
    assert code == 1 and verdict["valid"] is False, verdict
    # Tampered everywhere alike (every delta, the done events and the final object): the hash says so.
    events = [json.loads(line[5:]) for line in transcript.splitlines() if line.startswith("data:")]
    final = events[-1]["response"]
    text = final["output"][0]["content"][0]["text"]
    forged = transcript.replace(json.dumps(text, ensure_ascii=False)[1:-1], "forged") if text else transcript
    if text and forged != transcript:
        code, verdict = verify_cli(gateway, tmp_path, forged)
        assert code == 1 and verdict["valid"] is False


def test_a_messages_body_and_stream_verify_and_tampering_fails(gateway, tmp_path):
    body = {"model": MODEL, "max_tokens": 8, "temperature": 0, "messages": [{"role": "user", "content": "KVKK nedir?"}]}
    reply = post(gateway, "/v1/messages", body)
    code, verdict = verify_cli(gateway, tmp_path, reply.text)
    assert code == 0 and verdict["valid"] is True, verdict
    assert verdict["attestation"]["request_id"] == reply.json()["id"]
    transcript = stream_transcript(gateway, "/v1/messages", body)
    code, verdict = verify_cli(gateway, tmp_path, transcript)
    assert code == 0 and verdict["valid"] is True, verdict
    code, verdict = verify_cli(gateway, tmp_path, tamper_first_delta(transcript, "text"))
    assert code == 1 and verdict["problem"] == "hash_mismatch", verdict
