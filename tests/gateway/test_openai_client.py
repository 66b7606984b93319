"""The unmodified `openai` client against a running `paramstack serve` (SQLite and PostgreSQL)."""

from __future__ import annotations

import openai
import pytest

MODEL = "paramstack-tiny"


def client(gateway, org_id: str = "org_medical") -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway.base_url, api_key=gateway.key(org_id), max_retries=0)


def test_models_lists_only_what_the_tenant_may_use(gateway):
    medical = {m.id for m in client(gateway, "org_medical").models.list()}
    legal = {m.id for m in client(gateway, "org_legal").models.list()}
    assert medical == {MODEL, f"{MODEL}:medical-lora"}
    assert legal == {MODEL, f"{MODEL}:legal-lora"}


def test_chat_completion(gateway):
    reply = client(gateway).chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "KVKK nedir?"}], max_tokens=12, temperature=0
    )
    assert reply.object == "chat.completion" and reply.model == MODEL
    assert reply.choices[0].message.role == "assistant"
    assert isinstance(reply.choices[0].message.content, str)
    assert reply.choices[0].finish_reason in ("stop", "length")
    assert reply.usage.prompt_tokens > 3
    assert 1 <= reply.usage.completion_tokens <= 12
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens


def test_stream_equals_non_stream_and_reports_usage(gateway):
    messages = [{"role": "user", "content": "What is paramstack?"}]
    api = client(gateway)
    whole = api.chat.completions.create(model=MODEL, messages=messages, max_tokens=16, temperature=0)
    chunks = list(
        api.chat.completions.create(
            model=MODEL,
            messages=messages,
            max_tokens=16,
            temperature=0,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == whole.choices[0].message.content
    assert chunks[0].choices[0].delta.role == "assistant"
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes == [whole.choices[0].finish_reason]
    usage_chunks = [c for c in chunks if c.usage is not None]
    assert len(usage_chunks) == 1 and usage_chunks[0].usage.completion_tokens == whole.usage.completion_tokens


def test_adapters_change_the_answer(gateway):
    messages = [{"role": "user", "content": "Merhaba"}]
    api = client(gateway, "org_medical")
    default = api.chat.completions.create(model=MODEL, messages=messages, max_tokens=10, temperature=0)
    explicit = api.chat.completions.create(
        model=f"{MODEL}:medical-lora", messages=messages, max_tokens=10, temperature=0
    )
    legal = client(gateway, "org_legal").chat.completions.create(
        model=MODEL, messages=messages, max_tokens=10, temperature=0
    )
    # The tenant's default adapter is what the base model name serves; another tenant's adapter differs.
    assert default.choices[0].message.content == explicit.choices[0].message.content
    assert default.choices[0].message.content != legal.choices[0].message.content


def test_text_completion(gateway):
    reply = client(gateway).completions.create(model=MODEL, prompt="Ailydian AI", max_tokens=8, temperature=0)
    assert reply.object == "text_completion"
    assert isinstance(reply.choices[0].text, str) and reply.usage.completion_tokens <= 8
    streamed = client(gateway).completions.create(
        model=MODEL, prompt="Ailydian AI", max_tokens=8, temperature=0, stream=True
    )
    assert "".join(c.choices[0].text for c in streamed if c.choices) == reply.choices[0].text


def test_errors_are_the_clients_own_exception_types(gateway):
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=gateway.base_url, api_key="psk-wrong", max_retries=0).models.list()
    api = client(gateway)
    with pytest.raises(openai.NotFoundError) as missing:
        api.chat.completions.create(model="no-such-model", messages=[{"role": "user", "content": "hi"}])
    assert missing.value.body["code"] == "model_not_found"
    with pytest.raises(openai.NotFoundError):  # another tenant's adapter looks like it does not exist
        api.chat.completions.create(model=f"{MODEL}:legal-lora", messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(openai.BadRequestError) as bad:
        api.chat.completions.create(model=MODEL, messages=[], max_tokens=5)
    assert bad.value.body["param"] == "messages"
    with pytest.raises(openai.BadRequestError) as too_many:
        api.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}], max_tokens=10**7)
    assert too_many.value.body["param"] == "max_tokens"
