"""The loop on a tiny model: RLAIF (offline judge) -> DPO -> the adapter loads in the engine and changes
its outputs; the signed manifests chain base -> preference data -> adapter."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from paramstack.attest import read_manifest, verify_manifest
from paramstack.engine.local import LocalEngine
from paramstack.engine.protocol import ChatMessage, GenerationRequest, SamplingParams
from paramstack.train.dpo import DpoConfig, train_dpo
from paramstack.train.preference_data import read_pairs
from paramstack.train.rlaif import RlaifConfig, run_rlaif


def test_rlaif_then_dpo_gives_an_adapter_the_engine_serves_differently(tiny_model, demo_prompts, signer, tmp_path):
    model_dir, _ = tiny_model
    prompts, _ = demo_prompts
    dataset = tmp_path / "prefs"
    report = run_rlaif(
        RlaifConfig(prompts=prompts, output=dataset, model=str(model_dir), max_tokens=24, margin=0.05),
        signer=signer,
        progress=False,
    )

    assert report["prompts"] == 12 and report["failed"] == 0
    assert report["pairs"] + report["skipped"] == 12 and report["pairs"] >= 8
    pairs = read_pairs(dataset)
    first = json.loads((dataset / "prefs.jsonl").read_text().splitlines()[0])
    assert set(first) == {"prompt", "chosen", "rejected", "chosen_score", "rejected_score", "metadata"}
    meta = first["metadata"]
    assert {"chosen_temp", "rejected_temp", "num_candidates", "judge", "scores"} <= set(meta)
    assert meta["num_candidates"] == 4 and meta["judge"].startswith("offline")
    assert set(meta["scores"]["chosen"]) >= {"relevance", "helpfulness", "accuracy", "safety", "clarity", "overall"}
    assert all(p.chosen_score - p.rejected_score >= 0.05 for p in pairs)
    assert report["manifest"]["signed"] and verify_manifest(dataset, signer.keyring)

    adapter_dir = tmp_path / "adapter"
    trained = train_dpo(
        DpoConfig(
            base_model=model_dir,
            dataset=dataset,
            output_dir=adapter_dir,
            epochs=2,
            lr=5e-3,
            batch_size=4,
            heldout_fraction=0.0,
            min_pairs=4,
        ),
        signer=signer,
        progress=False,
    )

    assert (adapter_dir / "adapter_config.json").is_file() and (adapter_dir / "adapter_model.safetensors").is_file()
    assert (adapter_dir / "loss.png").read_bytes()[:4] == b"\x89PNG"
    assert trained["steps"] >= 2 and trained["train_loss_end"] is not None
    manifest = read_manifest(adapter_dir)
    assert manifest.kind == "adapter"
    assert report["manifest"]["manifest_sha256"] in [p.digest for p in manifest.parents]  # chain of custody
    assert verify_manifest(adapter_dir, signer.keyring)

    base_answers, tuned_answers = asyncio.run(_answers(model_dir, adapter_dir, [p.prompt for p in pairs[:4]]))
    assert any(tuned.strip() for tuned in tuned_answers)
    assert base_answers != tuned_answers, "the DPO adapter should change what the engine generates"


async def _answers(model_dir: Path, adapter_dir: Path, prompts: list[str]) -> tuple[list[str], list[str]]:
    engine = LocalEngine(model_dir, max_batch_size=8)
    try:
        await engine.load_adapter("dpo-v1", str(adapter_dir))

        async def answer(prompt: str, adapter: str | None) -> str:
            request = GenerationRequest(
                request_id=f"t-{adapter}-{prompt[:8]}",
                model="tiny",
                adapter=adapter,
                messages=[ChatMessage("user", prompt)],
                sampling=SamplingParams(max_tokens=16, temperature=0.8, seed=7),
            )
            return "".join([chunk.text async for chunk in engine.generate(request)])

        base = await asyncio.gather(*(answer(p, None) for p in prompts))
        tuned = await asyncio.gather(*(answer(p, "dpo-v1") for p in prompts))
        return list(base), list(tuned)
    finally:
        await engine.aclose()
