"""Every completion through the gateway is signed and audited; a third party can verify both."""

from __future__ import annotations

import json

import httpx

MODEL = "paramstack-tiny"


def chat(gateway, org_id: str, **extra) -> httpx.Response:
    body = {
        "model": MODEL,
        "messages": [{"role": "user", "content": "KVKK nedir?"}],
        "max_tokens": 8,
        "temperature": 0,
        **extra,
    }
    return httpx.post(
        f"{gateway.base_url}/chat/completions",
        json=body,
        timeout=60,
        headers={"authorization": f"Bearer {gateway.key(org_id)}"},
    )


def verify_cli(gateway, tmp_path, document: str) -> tuple[int, dict]:
    path = tmp_path / "response.json"
    path.write_text(document, encoding="utf-8")
    result = gateway.cli("attest", "verify", str(path), "--keys-url", f"{gateway.base_url}/attestation/keys", "--json")
    return result.returncode, json.loads(result.stdout or "{}")


def test_a_response_verifies_and_any_change_is_caught(gateway, tmp_path):
    response = chat(gateway, "org_medical")
    body = response.json()
    attestation = body["attestation"]
    assert response.headers["x-paramstack-attestation"].count(".") == 1
    assert attestation["org_id"] == "org_medical" and attestation["model_id"] == MODEL
    assert attestation["adapter_id"] == "medical-lora" and attestation["request_id"] == body["id"]
    code, verdict = verify_cli(gateway, tmp_path, response.text)
    assert code == 0 and verdict["valid"] is True, verdict

    body["choices"][0]["message"]["content"] += "!"
    code, verdict = verify_cli(gateway, tmp_path, json.dumps(body))
    assert code == 1 and verdict["valid"] is False and verdict["problem"] == "hash_mismatch"

    over_http = httpx.post(f"{gateway.base_url}/attestation/verify", json=response.json()).json()
    assert over_http["valid"] is True


def test_a_streamed_response_verifies(gateway, tmp_path):
    with httpx.stream(
        "POST",
        f"{gateway.base_url}/chat/completions",
        timeout=60,
        headers={"authorization": f"Bearer {gateway.key('org_legal')}"},
        json={"model": MODEL, "messages": [{"role": "user", "content": "Avukat"}], "max_tokens": 8, "stream": True},
    ) as response:
        transcript = response.read().decode()
    code, verdict = verify_cli(gateway, tmp_path, transcript)
    assert code == 0 and verdict["valid"] is True, verdict


def test_the_audit_chain_holds_every_request_and_verifies(gateway):
    chat(gateway, "org_ailydian")
    bad = chat(gateway, "org_ailydian", messages=[{"role": "user", "content": "söz " * 3000}])
    assert bad.status_code == 400
    verified = gateway.cli("audit", "verify", "--json")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    exported = gateway.cli("audit", "export", "--tenant", "org_ailydian")
    entries = [json.loads(line) for line in exported.stdout.splitlines() if line.strip()]
    statuses = [e["status"] for e in entries]
    assert "ok" in statuses and "refused" in statuses
    assert all("söz" not in line for line in exported.stdout.splitlines())  # no prompt text in the audit log
    assert any(e["attestation_sha256"] for e in entries if e["status"] == "ok")
