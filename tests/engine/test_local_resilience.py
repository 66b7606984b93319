"""One failing request or step never stops the worker: the other tenants keep being served."""

from __future__ import annotations

import asyncio

import pytest
from streams import collect, request

from paramstack.engine.local import LocalEngine
from paramstack.errors import ServiceUnavailable


@pytest.fixture
def small_engine(model_dir, adapters_dir):
    engine = LocalEngine(model_dir, adapters_dir=adapters_dir, max_batch_size=2)
    yield engine
    asyncio.run(engine.aclose())


def test_more_requests_than_the_batch_wait_their_turn(small_engine, reference):
    cases = [
        ("merhaba dünya", "support"),
        ("kitap okul", None),
        ("hello world", "legal"),
        ("the model serves", "sales"),
        ("güzel çiçek", "support"),
    ]
    expected = [reference.greedy(adapter, 12, prompt=prompt)[0] for prompt, adapter in cases]

    async def run():
        return await asyncio.gather(*(collect(small_engine, request(p, adapter=a, max_tokens=12)) for p, a in cases))

    assert [r.text for r in asyncio.run(run())] == expected
    assert small_engine.stats().max_batch_size_observed == 2


def test_a_request_that_breaks_prefill_fails_alone(small_engine, monkeypatch):
    scheduler = small_engine._scheduler
    real_prefill = scheduler._prefill

    def prefill(rows):  # fault injection: this request's prompt "breaks the model"
        if any(row.request_id.endswith("poison") for row in rows):
            raise RuntimeError("injected failure")
        return real_prefill(rows)

    monkeypatch.setattr(scheduler, "_prefill", prefill)
    poison = request("merhaba", max_tokens=5)
    poison = type(poison)(request_id="req-poison", model="tiny", prompt="merhaba", sampling=poison.sampling)

    async def run():
        healthy = request("kitap", max_tokens=5)
        return await asyncio.gather(
            collect(small_engine, poison), collect(small_engine, healthy), return_exceptions=True
        )

    failed, served = asyncio.run(run())
    assert isinstance(failed, ServiceUnavailable)
    assert served.last.completion_tokens == 5
    assert small_engine.stats().rows_failed == 1


def test_a_failing_decode_step_fails_its_rows_and_the_worker_goes_on(small_engine, monkeypatch):
    scheduler = small_engine._scheduler
    real_forward = scheduler._forward
    calls = {"n": 0}

    def forward(ids, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:  # a decode step, after both rows were prefilled
            raise RuntimeError("injected failure")
        return real_forward(ids, *args, **kwargs)

    monkeypatch.setattr(scheduler, "_forward", forward)

    async def run():
        first = await asyncio.gather(
            *(collect(small_engine, request(p, max_tokens=20)) for p in ("a b", "c d")), return_exceptions=True
        )
        after = await collect(small_engine, request("merhaba", max_tokens=4))
        return first, after

    first, after = asyncio.run(run())
    assert any(isinstance(result, ServiceUnavailable) for result in first)
    assert after.last.completion_tokens == 4
