"""With `attest.require_verified_manifests`, an adapter changed after signing is not served; others are."""

from __future__ import annotations

import shutil

import openai
import pytest

from tests.gateway_process import start_gateway


def test_a_tampered_adapter_is_refused_and_the_rest_keeps_serving(tmp_path):
    home = tmp_path / "home"
    server = start_gateway(home, {"attest": {"require_verified_manifests": True}})  # embedded default, signed
    server.stop()
    weights = home / "adapters" / "legal-lora" / "adapter_model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0x01  # one bit changed after signing
    weights.write_bytes(bytes(data))
    server = start_gateway(home, {"attest": {"require_verified_manifests": True}})
    try:
        legal = openai.OpenAI(base_url=server.base_url, api_key=server.key("org_legal"), max_retries=0)
        with pytest.raises(openai.APIStatusError) as refused:
            legal.chat.completions.create(
                model="paramstack-tiny", max_tokens=4, messages=[{"role": "user", "content": "Sözleşme nedir?"}]
            )
        assert refused.value.status_code == 404 and "legal-lora" in refused.value.message
        medical = openai.OpenAI(base_url=server.base_url, api_key=server.key("org_medical"), max_retries=0)
        reply = medical.chat.completions.create(
            model="paramstack-tiny", max_tokens=4, messages=[{"role": "user", "content": "Migren nedir?"}]
        )
        assert reply.choices[0].message.content
        log = (home / "serve.log").read_text()
        assert "legal-lora not loaded" in log and "adapter_model.safetensors" in log
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)
