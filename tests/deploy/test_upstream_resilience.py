"""The vLLM upstream backend against real HTTP servers: retries, runtime LoRA, fallback, circuit breaking."""

from __future__ import annotations

import asyncio

import pytest

from paramstack.engine.circuit import CircuitBreaker
from paramstack.engine.fallback import FallbackEngine
from paramstack.engine.openai_upstream import OpenAIUpstreamEngine
from paramstack.engine.protocol import ChatMessage, GenerationRequest, SamplingParams
from paramstack.errors import UpstreamError
from paramstack.settings import ModelSettings
from tests.deploy.servers import FakeVllm, ThreadedServer, free_port


def request(adapter: str | None = None, request_id: str = "r1", incremental: bool = True) -> GenerationRequest:
    return GenerationRequest(
        request_id=request_id,
        model="vllm",
        adapter=adapter,
        incremental=incremental,
        sampling=SamplingParams(max_tokens=8),
        messages=[ChatMessage("user", "hello")],
    )


def upstream(url: str, **fields) -> OpenAIUpstreamEngine:
    settings = ModelSettings(
        name="vllm", backend="openai", base_url=url, **{"upstream_model": "base", "retry_backoff_s": 0.01, **fields}
    )
    return OpenAIUpstreamEngine(settings)


async def answer(engine, req: GenerationRequest) -> str:
    return "".join([chunk.text async for chunk in engine.generate(req)])


@pytest.fixture()
def vllm():
    fake = FakeVllm()
    with ThreadedServer(fake.app) as server:
        yield fake, server.url


def test_idempotent_failures_are_retried_until_they_pass(vllm):
    fake, url = vllm
    fake.behave("base", status=503, fail_times=2)

    async def go():
        engine = upstream(url, retries=2)
        try:
            return await answer(engine, request())
        finally:
            await engine.aclose()

    assert asyncio.run(go()) == "served by base"
    assert fake.calls.count("complete:base") == 3


def test_retries_are_bounded_and_the_error_is_clear(vllm):
    fake, url = vllm
    fake.behave("base", status=503)

    async def go():
        engine = upstream(url, retries=1)
        try:
            await answer(engine, request())
        finally:
            await engine.aclose()

    with pytest.raises(UpstreamError, match="upstream answered 503: overloaded"):
        asyncio.run(go())
    assert fake.calls.count("complete:base") == 2


def test_a_caller_that_wants_the_whole_answer_gets_one_chunk_from_a_non_streamed_upstream_call(vllm):
    fake, url = vllm

    async def go():
        engine = upstream(url)
        try:
            whole = [chunk async for chunk in engine.generate(request(incremental=False))]
            streamed = [chunk async for chunk in engine.generate(request())]
        finally:
            await engine.aclose()
        return whole, streamed

    whole, streamed = asyncio.run(go())
    assert fake.streamed == [False, True]
    assert [(c.text, c.prompt_tokens, c.completion_tokens, c.finish_reason) for c in whole] == [
        ("served by base", 5, 3, "stop")
    ]
    assert "".join(c.text for c in streamed) == "served by base" and len(streamed) > 1
    assert (streamed[-1].prompt_tokens, streamed[-1].completion_tokens) == (5, 3)


def test_refused_connection_is_retried_then_reported():
    async def go():
        engine = upstream(f"http://127.0.0.1:{free_port()}", retries=2)
        try:
            await answer(engine, request())
        finally:
            await engine.aclose()

    with pytest.raises(UpstreamError, match="could not connect"):
        asyncio.run(go())


def test_new_adapter_version_is_loaded_once_before_traffic_reaches_it(vllm):
    fake, url = vllm

    async def go():
        engine = upstream(url)
        engine.register_adapter("medical-lora@v2", "/adapters/medical-lora/v2")
        try:
            # Five concurrent first requests: one load, then five completions.
            return await asyncio.gather(*(answer(engine, request("medical-lora@v2", f"r{i}")) for i in range(5)))
        finally:
            await engine.aclose()

    assert asyncio.run(go()) == ["served by medical-lora@v2"] * 5
    assert fake.loads == [{"lora_name": "medical-lora@v2", "lora_path": "/adapters/medical-lora/v2"}]
    assert fake.calls[0] == "load:medical-lora@v2"


def test_adapter_dir_is_translated_to_the_upstream_view(vllm, tmp_path):
    fake, url = vllm
    local = tmp_path / "adapters" / "medical-lora" / "v3"
    local.mkdir(parents=True)

    async def go():
        engine = upstream(url, adapters_dir=str(tmp_path / "adapters"), upstream_adapter_dir="/mnt/adapters")
        engine.register_adapter("medical-lora@v3", str(local))
        try:
            return await answer(engine, request("medical-lora@v3"))
        finally:
            await engine.aclose()

    assert asyncio.run(go()) == "served by medical-lora@v3"
    assert fake.loads[0]["lora_path"] == "/mnt/adapters/medical-lora/v3"


def test_server_without_runtime_lora_gives_an_actionable_error():
    fake = FakeVllm(runtime_lora=False)

    async def go(url):
        engine = upstream(url)
        engine.register_adapter("medical-lora@v2", "/adapters/medical-lora/v2")
        try:
            await answer(engine, request("medical-lora@v2"))
        finally:
            await engine.aclose()

    with (
        ThreadedServer(fake.app) as server,
        pytest.raises(UpstreamError, match="VLLM_ALLOW_RUNTIME_LORA_UPDATING=True"),
    ):
        asyncio.run(go(server.url))


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_fallback_answers_and_the_circuit_stops_calling_a_dead_primary():
    primary, secondary = FakeVllm(), FakeVllm(base_model="claude-like")
    primary.behave("base", status=503)
    clock = Clock()

    async def go(primary_url, secondary_url):
        main = upstream(primary_url, retries=0)
        backup = upstream(secondary_url, upstream_model="claude-like")
        engine = FallbackEngine(
            "vllm", main, backup, CircuitBreaker(failure_threshold=3, reset_after_s=30, clock=clock)
        )
        try:
            answers = [await answer(engine, request("medical-lora@v1", f"r{i}")) for i in range(6)]
            opened = engine.breaker.state
            primary.behave("base")  # the primary recovers...
            clock.now += 31  # ...and after the reset period one trial request goes to it
            trial = await answer(engine, request(None, "trial"))
            return answers, opened, trial, engine.breaker.state
        finally:
            await main.aclose()
            await backup.aclose()

    with ThreadedServer(primary.app) as p, ThreadedServer(secondary.app) as s:
        answers, opened, trial, closed = asyncio.run(go(p.url, s.url))
    # The secondary has no LoRA of that name: it answers as its base model (the hybrid mode's trade-off).
    assert answers == ["served by claude-like"] * 6
    assert opened == "open"
    assert primary.calls.count("complete:medical-lora@v1") == 3  # after 3 failures the primary was not tried
    assert trial == "served by base" and closed == "closed"


def test_hybrid_share_sends_part_of_the_traffic_to_the_secondary_on_purpose():
    primary, secondary = FakeVllm(), FakeVllm(base_model="external")

    async def go(primary_url, secondary_url):
        main, backup = upstream(primary_url), upstream(secondary_url, upstream_model="external")
        engine = FallbackEngine("vllm", main, backup, CircuitBreaker(), hybrid_percent=40)
        try:
            return [await answer(engine, request(None, f"chatcmpl-{i}")) for i in range(200)]
        finally:
            await main.aclose()
            await backup.aclose()

    with ThreadedServer(primary.app) as p, ThreadedServer(secondary.app) as s:
        answers = asyncio.run(go(p.url, s.url))
    external = answers.count("served by external") / len(answers)
    assert 0.3 < external < 0.5  # 40 % by a hash of the request id
