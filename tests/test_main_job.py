"""The README's main job on a fresh data dir: `paramstack init --demo` + `paramstack serve` on the embedded default."""

from __future__ import annotations

import json
import time

import openai
import pytest

from tests.gateway_process import start_gateway


@pytest.fixture(scope="module")
def main_job(tmp_path_factory):
    server = start_gateway(tmp_path_factory.mktemp("main-job"))  # no model config: the embedded default
    yield server
    server.stop()


def test_init_installs_the_embedded_default_and_prints_keys(main_job):
    assert (main_job.home / "models" / "paramstack-tiny" / "config.json").is_file()
    assert main_job.admin_key.startswith("psa-")
    assert [t["org_id"] for t in main_job.tenants] == ["org_ailydian", "org_medical", "org_legal"]
    limits = {t["org_id"]: t["limits"] for t in main_job.tenants}
    assert (limits["org_ailydian"]["tps"], limits["org_ailydian"]["rpm"], limits["org_ailydian"]["daily_tokens"]) == (
        10,
        300,
        10_000_000,
    )
    assert (limits["org_medical"]["tps"], limits["org_medical"]["rpm"], limits["org_medical"]["daily_tokens"]) == (
        5,
        150,
        5_000_000,
    )
    assert (limits["org_legal"]["tps"], limits["org_legal"]["rpm"], limits["org_legal"]["daily_tokens"]) == (
        3,
        100,
        3_000_000,
    )
    assert {t["adapter"] for t in main_job.tenants} == {"ailydian-general", "medical-lora", "legal-lora"}


def test_the_default_model_answers_the_demo_prompt_on_topic(main_job):
    client = openai.OpenAI(base_url=main_job.base_url, api_key=main_job.key("org_ailydian"), max_retries=0)
    reply = client.chat.completions.create(
        model="paramstack-tiny",
        messages=[{"role": "user", "content": "Ailydian AI Ecosystem nedir?"}],
        max_tokens=48,
        temperature=0,
    )
    answer = reply.choices[0].message.content.lower()
    assert any(word in answer for word in ("ailydian", "ekosistem", "yapay zek", "platform")), answer


def test_rerunning_init_replaces_the_printed_keys(main_job):
    old_key = main_job.key("org_legal")
    again = main_job.cli("init", "--demo", "--json")
    assert again.returncode == 0, again.stderr
    main_job.tenants[:] = json.loads(again.stdout)["tenants"]  # later tests use the new keys
    new_key = main_job.key("org_legal")
    fresh = openai.OpenAI(base_url=main_job.base_url, api_key=new_key, max_retries=0)
    assert [m.id for m in fresh.models.list()]
    stale = openai.OpenAI(base_url=main_job.base_url, api_key=old_key, max_retries=0)
    deadline = time.monotonic() + 8  # other processes see a revocation within the 5 s auth cache
    while time.monotonic() < deadline:
        try:
            stale.models.list()
        except openai.AuthenticationError:
            return
        time.sleep(0.5)
    pytest.fail("the replaced key still works")


def test_a_response_traces_back_to_the_corpus(main_job, tmp_path):
    import httpx

    response = httpx.post(
        f"{main_job.base_url}/chat/completions",
        timeout=60,
        headers={"authorization": f"Bearer {main_job.key('org_medical')}"},
        json={
            "model": "paramstack-tiny",
            "max_tokens": 8,
            "temperature": 0,
            "messages": [{"role": "user", "content": "KVKK nedir?"}],
        },
    )
    assert response.status_code == 200, response.text
    attestation = response.json()["attestation"]
    assert attestation["adapter_id"] == "medical-lora" and attestation["adapter_manifest_sha256"]
    saved = tmp_path / "response.json"
    saved.write_text(response.text, encoding="utf-8")
    shown = main_job.cli("provenance", "show", str(saved), "--search", str(main_job.home), "--json")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    node, chain = json.loads(shown.stdout)["lineage"], []
    while node:
        chain.append((node["kind"], node["verified"]))
        node = node["parents"][0] if node["parents"] else None
    assert chain == [("adapter", True), ("base_model", True), ("corpus", True)]
