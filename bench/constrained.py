"""Benchmark constrained decoding in the local engine: tokens/s of constrained requests against the same
requests unconstrained, in the same run, on the embedded default model.

    .venv/bin/python bench/constrained.py [--rounds 5] [--requests 8] [--max-tokens 64] [--threads 1]

Pairs (each pair: the same prompts; concurrent requests batched by the engine):
- json_schema vs free: a chat answer, constrained to a schema (compact JSON) or not;
- tool_required vs tools_none: one tool offered (the same prompt, tools section included), the call forced
  or tool_choice "none" (no grammar);
- tools_auto vs tools_none: the auto grammar (free text, a call constrained once opened) or none;
- mixed: half the batch constrained, half free, in the same forward passes.
Rounds are interleaved so machine noise hits every setup alike; the median is reported. Also, with
llguidance installed, the grammar libraries side by side: the same generated tokens replayed through
xgrammar's and llguidance's matchers (mask + accept per token). Writes bench/results/constrained.json.
Not a test: nothing here gates CI.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path

import torch

from paramstack.assets import default_model_dir
from paramstack.engine.local import LocalEngine
from paramstack.engine.protocol import (
    ChatMessage,
    GenerationRequest,
    OutputFormat,
    SamplingParams,
    ToolChoice,
    ToolSpec,
)

RESULTS = Path(__file__).parent / "results" / "constrained.json"
PROMPTS = (
    "Ankara'da yarın hava nasıl olacak?",
    "What is a LoRA adapter?",
    "Bir kiracı nedir?",
    "How do I reset my password?",
    "Kişisel veri nedir?",
    "Summarise the support ticket.",
    "Sözleşmenin üçüncü maddesi ne diyor?",
    "Which model serves this tenant?",
)
ANSWER = {
    "type": "object",
    "properties": {
        "answer": {"type": "string", "maxLength": 40},
        "confident": {"type": "boolean"},
        "topic": {"enum": ["weather", "account", "legal", "model"]},
    },
    "required": ["answer", "confident", "topic"],
}
# Lean on purpose: the 8K Turkish tokenizer spells JSON punctuation byte by byte, so a tools section and
# a call cost ~3 tokens per character of JSON, and the tiny model has 256 positions in all.
WEATHER = ToolSpec(
    "hava", None, {"type": "object", "properties": {"il": {"type": "string", "maxLength": 10}}, "required": ["il"]}
)
SETUPS = ("free", "json_schema", "tools_none", "tool_required", "tools_auto", "mixed")
PAIRS = (("json_schema", "free"), ("tool_required", "tools_none"), ("tools_auto", "tools_none"), ("mixed", "free"))


def make(kind: str, i: int, max_tokens: int) -> GenerationRequest:
    fields: dict = {}
    if kind == "mixed":
        kind = "json_schema" if i % 2 else "free"
    if kind == "json_schema":
        fields["output_format"] = OutputFormat("json_schema", schema=ANSWER)
    elif kind.startswith("tool"):
        mode = {"tools_none": "none", "tool_required": "required", "tools_auto": "auto"}[kind]
        fields.update(tools=(WEATHER,), tool_choice=ToolChoice(mode), parallel_tool_calls=False)
    return GenerationRequest(
        request_id=f"bench-{kind}-{i}",
        model="bench",
        messages=[ChatMessage("user", PROMPTS[i % len(PROMPTS)])],
        sampling=SamplingParams(max_tokens=max_tokens, temperature=0.0),
        **fields,
    )


async def one_round(
    engine: LocalEngine, batch: list[GenerationRequest], concurrent: bool
) -> tuple[float, int, list[str], float]:
    """Wall time, tokens, finish reasons, and the median time per token after the first (decode steps
    only: prefill left out, so answers of different lengths compare fairly)."""

    async def one(request: GenerationRequest) -> tuple[int, str, float | None]:
        tokens, finish, first, first_tokens = 0, "", 0.0, 0
        async for chunk in engine.generate(request):
            if not first_tokens:
                first, first_tokens = time.perf_counter(), chunk.completion_tokens
            tokens, finish = chunk.completion_tokens, chunk.finish_reason or finish
        steps = tokens - first_tokens
        return tokens, finish, (time.perf_counter() - first) / steps if steps > 0 else None

    start = time.perf_counter()
    if concurrent:
        results = await asyncio.gather(*(one(r) for r in batch))
    else:
        results = [await one(r) for r in batch]
    per_token = statistics.median([s for _, _, s in results if s is not None] or [0.0])
    return time.perf_counter() - start, sum(t for t, _, _ in results), [f for _, f, _ in results], per_token


def fitted(engine: LocalEngine, request: GenerationRequest) -> GenerationRequest:
    """The tiny model's context is 256 positions and a tools section takes ~130 of them: cap max_tokens to
    what fits (the same cap for both members of a pair: their prompts are the same)."""
    probe = replace(request, sampling=replace(request.sampling, max_tokens=1))
    room = (engine.max_context or 1 << 30) - asyncio.run(engine.count_prompt_tokens(probe))
    return replace(request, sampling=replace(request.sampling, max_tokens=min(request.sampling.max_tokens, room)))


def measure(engine: LocalEngine, requests: int, max_tokens: int, rounds: int, concurrent: bool) -> dict:
    batches = {kind: [fitted(engine, make(kind, i, max_tokens)) for i in range(requests)] for kind in SETUPS}
    speeds: dict[str, list[float]] = {kind: [] for kind in SETUPS}
    step_ms: dict[str, list[float]] = {kind: [] for kind in SETUPS}
    tokens: dict[str, int] = {}
    finishes: dict[str, list[str]] = {}
    for _ in range(rounds):
        for kind in SETUPS:
            elapsed, tokens[kind], finishes[kind], per_token = asyncio.run(one_round(engine, batches[kind], concurrent))
            speeds[kind].append(tokens[kind] / elapsed)
            step_ms[kind].append(per_token * 1000)
    median = {kind: statistics.median(v) for kind, v in speeds.items()}
    per_token_ms = {kind: statistics.median(v) for kind, v in step_ms.items()}
    return {
        "concurrent": concurrent,
        "max_tokens": {kind: [r.sampling.max_tokens for r in batch] for kind, batch in batches.items()},
        "tokens": tokens,
        "finish_reasons": {kind: {r: f.count(r) for r in sorted(set(f))} for kind, f in finishes.items()},
        "tokens_per_s": {kind: round(v, 1) for kind, v in median.items()},
        "tokens_per_s_all_rounds": {kind: [round(x, 1) for x in v] for kind, v in speeds.items()},
        "ms_per_token_after_first": {kind: round(v, 2) for kind, v in per_token_ms.items()},
        "slowdown": {f"{a}_vs_{b}": round(median[b] / median[a], 3) for a, b in PAIRS},
        "per_token_slowdown": {f"{a}_vs_{b}": round(per_token_ms[a] / per_token_ms[b], 3) for a, b in PAIRS},
    }


def library_replay(model_dir: Path, max_tokens: int) -> dict | None:
    """xgrammar vs llguidance on identical work: the tokens of one constrained answer, replayed."""
    try:
        import llguidance
        import llguidance.hf
        import llguidance.torch
    except ImportError:
        return None
    import xgrammar
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir).eval()
    vocab = model.config.vocab_size
    started = time.perf_counter()
    compiler = xgrammar.GrammarCompiler(
        xgrammar.TokenizerInfo.from_huggingface(tokenizer, vocab_size=vocab), max_threads=1
    )
    xgr_tokenizer_s = time.perf_counter() - started
    started = time.perf_counter()
    xgr_grammar = compiler.compile_json_schema(json.dumps(ANSWER), any_whitespace=False, separators=(",", ":"))
    xgr_compile_s = time.perf_counter() - started
    started = time.perf_counter()
    llg_tokenizer = llguidance.hf.from_tokenizer(tokenizer, n_vocab=vocab)
    llg_tokenizer_s = time.perf_counter() - started
    llg_schema = dict(ANSWER, **{"x-guidance": {"whitespace_flexible": False}})
    started = time.perf_counter()
    llg_grammar = llguidance.LLMatcher.grammar_from_json_schema(llg_schema)
    llguidance.LLMatcher(llg_tokenizer, llg_grammar)
    llg_compile_s = time.perf_counter() - started

    # One greedy constrained answer (xgrammar masks), then both matchers replay its tokens.
    ids = tokenizer(
        tokenizer.apply_chat_template(
            [{"role": "user", "content": PROMPTS[0]}], tokenize=False, add_generation_prompt=True
        ),
        add_special_tokens=False,
    )["input_ids"]
    matcher, bitmask, generated = xgrammar.GrammarMatcher(xgr_grammar), xgrammar.allocate_token_bitmask(1, vocab), []
    with torch.inference_mode():
        for _ in range(max_tokens):
            logits = model(input_ids=torch.tensor([ids + generated])).logits[:, -1, :]
            matcher.fill_next_token_bitmask(bitmask)
            xgrammar.apply_token_bitmask_inplace(logits, bitmask)
            generated.append(int(logits.argmax()))
            matcher.accept_token(generated[-1])
            if matcher.is_terminated():
                break

    def replay_xgr() -> float:
        m, start = xgrammar.GrammarMatcher(xgr_grammar), time.perf_counter()
        for token in generated:
            m.fill_next_token_bitmask(bitmask)
            m.accept_token(token)
        return time.perf_counter() - start

    def replay_llg() -> float:
        m = llguidance.LLMatcher(llg_tokenizer, llg_grammar)
        mask, start = llguidance.torch.allocate_token_bitmask(1, vocab), time.perf_counter()
        for token in generated:
            llguidance.torch.fill_next_token_bitmask(m, mask, 0)
            m.consume_token(token)
        return time.perf_counter() - start

    xgr_s = statistics.median(replay_xgr() for _ in range(5))
    llg_s = statistics.median(replay_llg() for _ in range(5))
    return {
        "tokens_replayed": len(generated),
        "answer": tokenizer.decode(generated, skip_special_tokens=True),
        "xgrammar": {
            "version": version("xgrammar"),
            "tokenizer_ms": round(xgr_tokenizer_s * 1000, 1),
            "compile_ms": round(xgr_compile_s * 1000, 2),
            "mask_and_accept_ms_per_token": round(xgr_s * 1000 / len(generated), 3),
        },
        "llguidance": {
            "version": version("llguidance"),
            "tokenizer_ms": round(llg_tokenizer_s * 1000, 1),
            "compile_ms": round(llg_compile_s * 1000, 2),
            "mask_and_accept_ms_per_token": round(llg_s * 1000 / len(generated), 3),
        },
    }


def print_table(result: dict) -> None:
    print(f"  {'concurrent' if result['concurrent'] else 'one by one'}:")
    print(f"    {'setup':<15}{'tokens':>8}{'tokens/s':>11}{'ms/token':>10}  finish reasons")
    for kind in SETUPS:
        print(
            f"    {kind:<15}{result['tokens'][kind]:>8}{result['tokens_per_s'][kind]:>11.1f}"
            f"{result['ms_per_token_after_first'][kind]:>10.2f}  {result['finish_reasons'][kind]}"
        )
    for pair, value in result["slowdown"].items():
        print(
            f"    {pair:<30} tokens/s {value:.2f}x slower, per decode step "
            f"{result['per_token_slowdown'][pair]:.2f}x (target <= 1.3x)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1, help="torch threads of the engine's worker")
    args = parser.parse_args()
    model_dir = default_model_dir()
    engine = LocalEngine(model_dir, max_batch_size=args.requests, threads=args.threads)
    asyncio.run(one_round(engine, [make(k, 0, 8) for k in SETUPS], concurrent=True))  # warm-up, grammars compiled
    results = [measure(engine, args.requests, args.max_tokens, args.rounds, concurrent) for concurrent in (True, False)]
    asyncio.run(engine.aclose())
    torch.set_num_threads(args.threads)
    libraries = library_replay(model_dir, args.max_tokens)

    print(
        f"model: {model_dir}; {args.requests} requests, up to {args.max_tokens} new tokens each, greedy, "
        f"median of {args.rounds} rounds, {args.threads} worker thread(s)"
    )
    for result in results:
        print_table(result)
    if libraries:
        print(f"  grammar libraries, {libraries['tokens_replayed']} tokens replayed:")
        for name in ("xgrammar", "llguidance"):
            lib = libraries[name]
            print(
                f"    {name:<11} {lib['version']:<8} tokenizer {lib['tokenizer_ms']:>6.1f} ms, compile "
                f"{lib['compile_ms']:>5.2f} ms, mask+accept {lib['mask_and_accept_ms_per_token']:.3f} ms/token"
            )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "constrained",
                "model": str(model_dir),
                "requests": args.requests,
                "max_tokens": args.max_tokens,
                "rounds": args.rounds,
                "threads": args.threads,
                "results": results,
                "libraries": libraries,
                "python": sys.version.split()[0],
                "torch": torch.__version__,
                "platform": platform.platform(),
                "cpu_count": os.cpu_count(),
                "load_average": os.getloadavg(),
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
