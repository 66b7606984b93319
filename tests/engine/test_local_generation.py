"""The engine generates what transformers generates, for every adapter, alone or batched together."""

from __future__ import annotations

import asyncio

import pytest
from streams import collect, request

ADAPTER_CHOICES = (None, "support", "legal", "sales")
PROMPTS = ("merhaba dünya", "the model serves many tenants with", "kitap okul", "hello world güzel çiçek")


@pytest.mark.parametrize("adapter", ADAPTER_CHOICES)
def test_greedy_output_equals_transformers_generate(engine, reference, adapter):
    expected, expected_ids = reference.greedy(adapter, 24, messages=[{"role": "user", "content": "merhaba"}])
    result = asyncio.run(collect(engine, request(chat="merhaba", adapter=adapter, max_tokens=24)))
    assert result.text == expected
    assert result.last.completion_tokens == len(expected_ids)
    assert result.last.prompt_tokens == len(reference.prompt_ids(messages=[{"role": "user", "content": "merhaba"}]))


def test_adapters_change_the_output(reference):
    # Guards the other tests: if adapters did not change outputs, mixing them up would go unnoticed.
    outputs = {reference.greedy(adapter, 16, prompt=PROMPTS[1])[0] for adapter in ADAPTER_CHOICES}
    assert len(outputs) == len(ADAPTER_CHOICES)


def test_concurrent_requests_of_different_adapters_share_batches(engine, reference):
    cases = [(prompt, adapter) for prompt in PROMPTS[:2] for adapter in ADAPTER_CHOICES]
    expected = [reference.greedy(adapter, 30, prompt=prompt) for prompt, adapter in cases]
    before = engine.stats()

    async def run_all():
        return await asyncio.gather(*(collect(engine, request(p, adapter=a, max_tokens=30)) for p, a in cases))

    results = asyncio.run(run_all())
    after = engine.stats()
    for result, (text, ids) in zip(results, expected, strict=True):
        assert result.text == text
        assert result.last.completion_tokens == len(ids)
    assert after.max_batch_size_observed >= 4
    assert after.mixed_adapter_steps > before.mixed_adapter_steps
    assert after.batched_decode_steps > before.batched_decode_steps


def test_requests_joining_a_running_batch_get_the_same_text(engine, reference):
    """Continuous batching: late rows are prefilled and merged into the running batch's KV cache."""
    early = [(PROMPTS[0], "support"), (PROMPTS[3], None)]
    # Shorter and longer than the running batch's cache: both sides of the merge get left padding.
    late = [(PROMPTS[1], "legal"), (PROMPTS[2], "sales"), ("the model serves many tenants " * 6, "support")]
    expected = {case: reference.greedy(case[1], 40, prompt=case[0])[0] for case in early + late}

    async def run():
        started = asyncio.Event()

        async def first(prompt, adapter):
            chunks = []
            async for chunk in engine.generate(request(prompt, adapter=adapter, max_tokens=40)):
                chunks.append(chunk.text)
                started.set()
            return "".join(chunks)

        steps_at_start = engine.stats().decode_steps
        early_tasks = [asyncio.create_task(first(p, a)) for p, a in early]
        await started.wait()  # the early rows are decoding now
        steps_before = engine.stats().decode_steps - steps_at_start
        late_results = await asyncio.gather(*(collect(engine, request(p, adapter=a, max_tokens=40)) for p, a in late))
        return [await t for t in early_tasks], [r.text for r in late_results], steps_before

    early_texts, late_texts, steps_before = asyncio.run(run())
    assert early_texts == [expected[c] for c in early]
    assert late_texts == [expected[c] for c in late]
    # The late rows did not wait for the early ones to finish: less than 40 steps had run when they came.
    assert steps_before < 40


def test_stream_arrives_in_pieces_that_add_up_to_the_full_text(engine, reference):
    expected, _ = reference.greedy("legal", 40, prompt=PROMPTS[2])
    result = asyncio.run(collect(engine, request(PROMPTS[2], adapter="legal", max_tokens=40)))
    assert len(result.chunks) > 3
    assert result.text == expected
    assert all(chunk.finish_reason is None for chunk in result.chunks[:-1])
    counts = [chunk.completion_tokens for chunk in result.chunks]
    assert counts == sorted(counts)


def test_max_tokens_ends_with_length(engine, reference):
    expected, _ = reference.greedy("sales", 5, prompt=PROMPTS[0])
    result = asyncio.run(collect(engine, request(PROMPTS[0], adapter="sales", max_tokens=5)))
    assert result.text == expected
    assert result.last.finish_reason == "length"
    assert result.last.completion_tokens == 5


def test_stop_string_split_across_tokens_is_cut_and_never_shown(engine, reference):
    prompt_ids = reference.prompt_ids(PROMPTS[1])
    generated = reference.greedy_ids(prompt_ids, "support", 40)
    # Find a token boundary with text on both sides; the stop string straddles it.
    boundary, text = None, ""
    for n in range(1, len(generated)):
        before, after = reference.text(prompt_ids, generated[:n]), reference.text(prompt_ids, generated[: n + 1])
        if len(before) >= 2 and len(after) >= len(before) + 2:
            boundary, text = len(before), after
            break
    assert boundary is not None, "the greedy text has no token boundary to test"
    stop = text[boundary - 2 : boundary + 2]
    full_text = reference.text(prompt_ids, generated)
    result = asyncio.run(
        collect(engine, request(PROMPTS[1], adapter="support", max_tokens=40, stop=("zzz-never", stop)))
    )
    assert result.text == full_text[: full_text.index(stop)]
    assert result.last.finish_reason == "stop"
    assert result.last.completion_tokens < len(generated)


def test_same_seed_same_text(engine):
    def sampled(seed, adapter="support"):
        req = request(PROMPTS[1], adapter=adapter, max_tokens=20, temperature=1.0, top_p=0.9, seed=seed)
        return req

    async def run():
        alone = (await collect(engine, sampled(7))).text
        together = await asyncio.gather(
            *(collect(engine, sampled(s, a)) for s, a in [(7, "support"), (8, "legal"), (7, "support"), (9, None)])
        )
        other_seed = (await collect(engine, sampled(8))).text
        return alone, [r.text for r in together], other_seed

    alone, together, other_seed = asyncio.run(run())
    assert together[0] == together[2] == alone
    assert other_seed != alone


def test_closing_a_stream_cancels_its_row_and_others_complete(engine, reference):
    expected, _ = reference.greedy("sales", 30, prompt=PROMPTS[0])

    async def run():
        before = engine.stats()
        other = asyncio.create_task(collect(engine, request(PROMPTS[0], adapter="sales", max_tokens=30)))
        stream = engine.generate(request(PROMPTS[1], adapter="legal", max_tokens=200))
        received = [await anext(stream), await anext(stream)]
        await stream.aclose()  # what a client disconnect does to the gateway's iterator
        result = await other
        for _ in range(100):  # the worker notices between steps
            if engine.stats().active_rows == 0:
                break
            await asyncio.sleep(0.01)
        return before, engine.stats(), received, result

    before, after, received, result = asyncio.run(run())
    assert all(chunk.finish_reason is None for chunk in received)
    assert result.text == expected
    assert after.rows_cancelled == before.rows_cancelled + 1
    assert after.active_rows == 0 and after.waiting_rows == 0
    # The cancelled row stopped long before its 200 tokens.
    assert after.tokens_generated - before.tokens_generated < 100
