"""Responses as they travel: body + header, a streamed response's final SSE event, and the HTTP routes."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi import FastAPI

from paramstack.attest.response import sign_output
from paramstack.attest.verdict import Problem
from paramstack.attest.wire import (
    ATTESTATION_HEADER,
    attach_attestation,
    attestation_headers,
    attestation_sse_event,
    read_response,
    verify_response,
)
from paramstack.gateway.routes.attestation import build_attestation_router

TEXT = "Merhaba! Size nasıl yardımcı olabilirim?"


def _body(keyring, text=TEXT):
    signed = sign_output(
        "paramstack-tiny",
        text,
        key=keyring,
        org_id="org_a",
        request_id="chatcmpl-42",
        usage={"prompt_tokens": 5, "completion_tokens": 8},
    )
    body = {
        "id": "chatcmpl-42",
        "object": "chat.completion",
        "created": 1,
        "model": "paramstack-tiny",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 8, "total_tokens": 13},
    }
    return attach_attestation(body, signed), signed


def test_saved_body_verifies_and_bound_fields_are_checked(keyring):
    body, signed = _body(keyring)
    assert verify_response(json.dumps(body), keyring)
    assert attestation_headers(signed)[ATTESTATION_HEADER] == signed.compact()
    for path, value in ((("model",), "gpt-4"), (("id",), "chatcmpl-43"), (("usage", "completion_tokens"), 7)):
        changed = json.loads(json.dumps(body))
        target = changed
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        verdict = verify_response(changed, keyring)
        assert verdict.problem is Problem.FIELD_MISMATCH and verdict.findings[0].where == ".".join(path)


def test_every_byte_of_the_attested_parts_of_a_saved_body_matters(keyring):
    """Flip each byte of the serialised body; every flip in the text, attestation, id, model or usage
    numbers must fail verification (flips elsewhere, e.g. in "created", are outside the attestation)."""
    body, _ = _body(keyring)
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    covered = 0
    for index in range(len(raw)):
        mutated = bytearray(raw)
        mutated[index] ^= 0x01
        verdict = verify_response(bytes(mutated), keyring)
        if verdict:
            parsed = json.loads(bytes(mutated))
            # only fields the attestation does not bind may differ
            for key in ("attestation", "id", "model", "usage"):
                if key == "usage":
                    assert {k: parsed["usage"].get(k) for k in ("prompt_tokens", "completion_tokens")} == {
                        "prompt_tokens": 5,
                        "completion_tokens": 8,
                    }
                else:
                    assert parsed.get(key) == body[key], (index, key)
            assert read_response(parsed).output == TEXT
        else:
            covered += 1
    assert covered > len(raw) * 0.8


def _sse(keyring, text=TEXT, pieces=4, include_attestation=True):
    signed = sign_output("paramstack-tiny", text, key=keyring, org_id="org_a", request_id="chatcmpl-7")
    size = len(text) // pieces + 1
    lines = []
    for start in range(0, len(text), size):
        chunk = {
            "id": "chatcmpl-7",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "paramstack-tiny",
            "choices": [{"index": 0, "delta": {"content": text[start : start + size]}, "finish_reason": None}],
        }
        lines.append(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n")
    done = {
        "id": "chatcmpl-7",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "paramstack-tiny",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
    }
    lines.append(f"data: {json.dumps(done)}\n\n")
    if include_attestation:
        lines.append(attestation_sse_event(signed, response_id="chatcmpl-7", model="paramstack-tiny", created=1))
    lines.append("data: [DONE]\n\n")
    return "".join(lines)


def test_streamed_response_verifies_over_the_full_text(keyring):
    transcript = _sse(keyring)
    assert "event: attestation" in transcript
    verdict = verify_response(transcript, keyring)
    assert verdict, verdict.message
    assert read_response(transcript).output == TEXT


def test_streamed_response_with_a_changed_or_missing_piece_fails(keyring):
    transcript = _sse(keyring)
    assert verify_response(transcript.replace('"Merhaba', '"merhaba', 1), keyring).problem is Problem.HASH_MISMATCH
    cut = _sse(keyring, include_attestation=False)
    verdict = verify_response(cut, keyring)
    assert verdict.problem is Problem.MALFORMED and "no attestation" in verdict.message


def test_openai_client_accepts_the_attestation_event(keyring):
    """The real openai client must not choke on the extra event (it yields it as an empty chunk)."""
    openai = pytest.importorskip("openai")
    transcript = _sse(keyring)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text=transcript, headers={"content-type": "text/event-stream"})

    client = openai.OpenAI(
        api_key="sk-test", base_url="http://test/v1", http_client=httpx.Client(transport=httpx.MockTransport(handler))
    )
    chunks = list(
        client.chat.completions.create(
            model="paramstack-tiny", stream=True, messages=[{"role": "user", "content": "hi"}]
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == TEXT
    attested = [c for c in chunks if not c.choices]
    assert attested and (attested[-1].model_extra or {}).get("attestation")


@pytest.fixture
def app(keyring):
    from paramstack.errors import ParamstackError

    app = FastAPI()
    app.include_router(build_attestation_router(lambda: keyring.without_signer()))

    @app.exception_handler(ParamstackError)  # what the gateway's error handlers do
    async def _error(_request, error):
        from fastapi.responses import JSONResponse

        return JSONResponse(
            {"error": {"message": error.message, "type": error.error_type, "param": error.param, "code": error.code}},
            status_code=error.status_code,
        )

    return app


def _call(app, method, path, **kwargs):
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        return client.request(method, path, **kwargs)


def test_keys_endpoint_publishes_jwks(app, keyring):
    reply = _call(app, "GET", "/v1/attestation/keys")
    assert reply.status_code == 200
    (jwk,) = reply.json()["keys"]
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and jwk["kid"] == keyring.signer.kid
    assert "d" not in jwk  # never the private part


def test_verify_endpoint(app, keyring):
    body, signed = _body(keyring)
    reply = _call(app, "POST", "/v1/attestation/verify", json=body)
    assert reply.status_code == 200 and reply.json()["valid"] is True
    reply = _call(app, "POST", "/v1/attestation/verify", json={"attestation": signed.to_dict(), "output": TEXT + "!"})
    assert reply.json()["valid"] is False and reply.json()["problem"] == "hash_mismatch"
    reply = _call(app, "POST", "/v1/attestation/verify", json={"attestation": "garbage", "output": TEXT})
    assert reply.json()["problem"] == "malformed"
    for bad in (b"not json", b"[1]", b'{"output": "x"}'):
        reply = _call(app, "POST", "/v1/attestation/verify", content=bad)
        assert reply.status_code == 400 and "attestation" in reply.json()["error"]["message"]
