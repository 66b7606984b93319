"""Benchmark the local engine: many tenants' adapters in one batch vs. transformers one request at a time.

    .venv/bin/python bench/engine.py [--rounds 3] [--requests 8] [--adapters 4] [--max-tokens 64] [--threads N ...]

8 concurrent requests spread over 4 LoRA adapters (random init, so each changes the output), 64 new tokens
each, greedy, on the embedded default model (``src/paramstack/assets/paramstack-tiny``) or, while that is
not built, on a freshly initialised model of the same shape (said in the output). The baseline, measured in
the same run on the same weights: transformers ``generate`` per request with PEFT ``set_adapter``, one
after the other (what serving without a batcher does). Prints a table and writes bench/results/engine.json.
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
import tempfile
import time
from pathlib import Path

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer, MistralConfig, MistralForCausalLM
from transformers.utils import logging as transformers_logging

from paramstack.assets import default_model_dir
from paramstack.engine.local import LocalEngine
from paramstack.engine.protocol import GenerationRequest, SamplingParams

RESULTS = Path(__file__).parent / "results" / "engine.json"
CORPUS_DIR = Path(__file__).resolve().parents[1] / "src" / "paramstack" / "assets" / "corpus"
PROMPTS = (
    "Müşteri hizmetleri ekibimiz size yardımcı olmaktan",
    "The contract between the two parties states that",
    "Bugün hava çok güzel, parkta yürüyüş yaparken",
    "To reset your password, open the settings page and",
    "Hastanın şikayetleri ve tıbbi geçmişi incelendiğinde",
    "Our quarterly report shows that revenue grew because",
    "Kullanıcı sözleşmesinin üçüncü maddesine göre",
    "Please summarise the following support ticket:",
)
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def default_model(work: Path) -> tuple[Path, str]:
    if (default_model_dir() / "config.json").is_file():
        return default_model_dir(), f"embedded default model ({default_model_dir()})"
    model_dir = work / "fresh-model"
    tokenizer = fresh_tokenizer(model_dir)
    torch.manual_seed(0)
    config = MistralConfig(
        vocab_size=max(8000, len(tokenizer)),
        hidden_size=256,
        intermediate_size=688,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=1024,
        sliding_window=None,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    MistralForCausalLM(config).save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)
    return model_dir, (
        f"FRESHLY INITIALISED model (hidden 256, 4 layers, vocab {config.vocab_size}): "
        f"{default_model_dir()} is not built yet"
    )


def fresh_tokenizer(model_dir: Path):
    from paramstack.train.tokenizer import train_tokenizer

    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(CORPUS_DIR.rglob("*")) if p.is_file()]
    texts = texts or [" ".join(PROMPTS) * 50]
    train_tokenizer(texts, model_dir, vocab_size=8000)
    return AutoTokenizer.from_pretrained(model_dir)


def make_adapters(model_dir: Path, root: Path, count: int) -> list[str]:
    names = [f"tenant{i}" for i in range(count)]
    for seed, name in enumerate(names):
        base = AutoModelForCausalLM.from_pretrained(model_dir)
        torch.manual_seed(1000 + seed)
        config = LoraConfig(r=16, lora_alpha=32, target_modules=LORA_TARGETS, init_lora_weights=False)
        get_peft_model(base, config).save_pretrained(root / name)
    return names


def requests(adapters: list[str], count: int, max_tokens: int) -> list[GenerationRequest]:
    return [
        GenerationRequest(
            request_id=f"bench-{i}",
            model="bench",
            prompt=PROMPTS[i % len(PROMPTS)],
            adapter=adapters[i % len(adapters)],
            sampling=SamplingParams(max_tokens=max_tokens, temperature=0.0),
        )
        for i in range(count)
    ]


async def engine_round(
    engine: LocalEngine, batch: list[GenerationRequest], *, concurrent: bool
) -> tuple[float, list[str], int]:
    async def one(request: GenerationRequest) -> tuple[str, int]:
        parts, tokens = [], 0
        async for chunk in engine.generate(request):
            parts.append(chunk.text)
            tokens = chunk.completion_tokens
        return "".join(parts), tokens

    start = time.perf_counter()
    if concurrent:
        results = await asyncio.gather(*(one(r) for r in batch))
    else:
        results = [await one(r) for r in batch]
    elapsed = time.perf_counter() - start
    return elapsed, [text for text, _ in results], sum(tokens for _, tokens in results)


def baseline_round(
    model: PeftModel, tokenizer, batch: list[GenerationRequest], stop_ids: list[int]
) -> tuple[float, list[str], int]:
    texts, tokens = [], 0
    start = time.perf_counter()
    for request in batch:
        ids = tokenizer(request.prompt, return_tensors="pt")["input_ids"]
        model.set_adapter(request.adapter)  # ~1.5 ms: per request, as a server without a batcher would
        with torch.inference_mode():
            out = model.generate(
                input_ids=ids,
                max_new_tokens=request.sampling.max_tokens,
                do_sample=False,
                eos_token_id=stop_ids,
                pad_token_id=stop_ids[0],
            )
        generated = out[0, ids.shape[1] :].tolist()
        tokens += len(generated)
        full = tokenizer.decode(ids[0].tolist() + generated, skip_special_tokens=True)
        texts.append(full[len(tokenizer.decode(ids[0].tolist(), skip_special_tokens=True)) :])
    return time.perf_counter() - start, texts, tokens


SETUPS = ("engine_batched", "engine_one_by_one", "transformers_sequential")


def measure(
    engine: LocalEngine,
    reference: PeftModel,
    tokenizer,
    batch: list[GenerationRequest],
    stop_ids: list[int],
    rounds: int,
) -> dict:
    """All three setups, interleaved round by round so machine noise hits them alike."""
    runs: dict[str, list[float]] = {name: [] for name in SETUPS}
    texts: dict[str, list[str]] = {}
    tokens: dict[str, int] = {}
    before = engine.stats()
    for _ in range(rounds):
        for name in SETUPS:
            if name == "transformers_sequential":
                elapsed, texts[name], tokens[name] = baseline_round(reference, tokenizer, batch, stop_ids)
            else:
                elapsed, texts[name], tokens[name] = asyncio.run(
                    engine_round(engine, batch, concurrent=name == "engine_batched")
                )
            runs[name].append(tokens[name] / elapsed)
    after = engine.stats()
    median = {name: statistics.median(values) for name, values in runs.items()}
    return {
        "torch_threads": torch.get_num_threads(),
        "tokens": tokens,
        "tokens_per_s": {name: round(value, 1) for name, value in median.items()},
        "tokens_per_s_all_rounds": {name: [round(v, 1) for v in values] for name, values in runs.items()},
        "speedup_vs_transformers_sequential": round(median["engine_batched"] / median["transformers_sequential"], 2),
        "greedy_texts_identical": sum(
            a == b for a, b in zip(texts["engine_batched"], texts["transformers_sequential"], strict=True)
        ),
        "mixed_adapter_steps": after.mixed_adapter_steps - before.mixed_adapter_steps,
        "max_rows_per_step": after.max_batch_size_observed,
    }


def print_table(result: dict, batch_size: int) -> None:
    baseline = result["tokens_per_s"]["transformers_sequential"]
    print(f"torch threads {result['torch_threads']}:")
    print(f"  {'setup':<26}{'tokens':>8}{'tokens/s':>12}{'vs baseline':>13}")
    for name in SETUPS:
        value = result["tokens_per_s"][name]
        print(f"  {name:<26}{result['tokens'][name]:>8}{value:>12.1f}{value / baseline:>12.2f}x")
    print(
        f"  greedy texts identical to transformers: {result['greedy_texts_identical']}/{batch_size}; "
        f"rows per decode step up to {result['max_rows_per_step']}; "
        f"mixed-adapter steps {result['mixed_adapter_steps']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=8)
    parser.add_argument("--adapters", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument(
        "--threads",
        type=int,
        nargs="*",
        default=None,
        help="torch intra-op thread counts to measure (default: torch's own choice, then 1)",
    )
    args = parser.parse_args()
    transformers_logging.disable_progress_bar()
    # On a busy shared machine, threads that spin waiting for each other make batched matrix products
    # (big enough to be split across threads) far slower, while batch-1 products stay single-threaded:
    # measuring with 1 thread too tells that apart from the engine's own cost.
    thread_counts = args.threads or sorted({torch.get_num_threads(), 1}, reverse=True)

    with tempfile.TemporaryDirectory(prefix="paramstack-bench-") as tmp:
        work = Path(tmp)
        model_dir, model_note = default_model(work)
        adapter_names = make_adapters(model_dir, work / "adapters", args.adapters)
        batch = requests(adapter_names, args.requests, args.max_tokens)

        tokenizer = AutoTokenizer.from_pretrained(model_dir)
        base = AutoModelForCausalLM.from_pretrained(model_dir).eval()
        reference = PeftModel.from_pretrained(
            base, str(work / "adapters" / adapter_names[0]), adapter_name=adapter_names[0]
        )
        for name in adapter_names[1:]:
            reference.load_adapter(str(work / "adapters" / name), adapter_name=name)
        reference.eval()

        results = []
        for threads in thread_counts:
            # The same thread count for both sides: the baseline runs in this thread, the engine in its
            # worker (OpenMP's setting is per thread, so the engine takes it as a constructor argument).
            torch.set_num_threads(threads)
            engine = LocalEngine(
                model_dir, adapters_dir=work / "adapters", max_batch_size=args.requests, threads=threads
            )
            stop_ids = sorted(engine.stop_token_ids)
            # Warm-up: first forwards allocate and fill caches.
            asyncio.run(engine_round(engine, batch[:2], concurrent=True))
            baseline_round(reference, tokenizer, batch[:1], stop_ids)
            results.append(measure(engine, reference, tokenizer, batch, stop_ids, args.rounds))
            asyncio.run(engine.aclose())

    print(f"model: {model_note}")
    print(
        f"{args.requests} concurrent requests over {args.adapters} LoRA adapters, {args.max_tokens} new tokens "
        f"each, greedy; median of {args.rounds} rounds"
    )
    for result in results:
        print_table(result, len(batch))

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "engine",
                "model": model_note,
                "requests": args.requests,
                "adapters": args.adapters,
                "max_tokens": args.max_tokens,
                "rounds": args.rounds,
                "results": results,
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
