"""Adapters come and go while serving; bad artifacts fail with an ArtifactError that names the path."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
from streams import collect, request

from paramstack.engine.local import LocalEngine
from paramstack.errors import ArtifactError, Conflict, ContextLengthExceeded, InvalidRequest, NotFound


@pytest.fixture
def bare_engine(model_dir):
    engine = LocalEngine(model_dir, max_batch_size=4)
    yield engine
    asyncio.run(engine.aclose())


def test_adapters_found_in_adapters_dir_at_start(engine):
    assert engine.adapters() == ["legal", "sales", "support"]


def test_load_and_unload_while_another_adapter_is_generating(bare_engine, adapters_dir, reference):
    prompt = "the model serves many tenants with"
    expected = {a: reference.greedy(a, n, prompt=prompt)[0] for a, n in ((None, 60), ("support", 150), ("legal", 60))}

    async def run():
        assert bare_engine.adapters() == []
        await bare_engine.load_adapter("support", str(adapters_dir / "support"))
        stream = bare_engine.generate(request(prompt, adapter="support", max_tokens=150))
        first = await anext(stream)  # the support row is decoding from now on
        rest = asyncio.create_task(collect_rest(stream))
        await bare_engine.load_adapter("legal", str(adapters_dir / "legal"))  # between the running row's steps
        legal = await collect(bare_engine, request(prompt, adapter="legal", max_tokens=60))
        await bare_engine.unload_adapter("legal")
        assert not rest.done(), "the support row should still be running"
        return first.text + await rest, legal.text

    support_text, legal_text = asyncio.run(run())
    assert support_text == expected["support"]
    assert legal_text == expected["legal"]
    assert bare_engine.adapters() == ["support"]

    async def after():
        with pytest.raises(NotFound, match="legal"):
            await collect(bare_engine, request(prompt, adapter="legal", max_tokens=5))
        await bare_engine.unload_adapter("support")  # the last one: back to the plain base model
        return (await collect(bare_engine, request(prompt, max_tokens=60))).text

    assert asyncio.run(after()) == expected[None]
    assert bare_engine.adapters() == []


async def collect_rest(stream) -> str:
    return "".join([chunk.text async for chunk in stream])


def test_unload_waits_for_the_adapters_running_requests(bare_engine, adapters_dir, reference):
    prompt = "kitap okul"
    expected = reference.greedy("sales", 50, prompt=prompt)[0]

    async def run():
        # Versioned names, as the adapter registry writes them.
        await bare_engine.load_adapter("sales@v2", str(adapters_dir / "sales"))
        stream = bare_engine.generate(request(prompt, adapter="sales@v2", max_tokens=50))
        first = await anext(stream)
        await bare_engine.unload_adapter("sales@v2")  # returns once the running row is done
        rest = [chunk async for chunk in stream]
        return first.text + "".join(c.text for c in rest), rest[-1].finish_reason

    text, finish = asyncio.run(run())
    assert text == expected
    assert finish in ("stop", "length")


def test_adapter_name_conflicts_and_unknown_names(engine, adapters_dir):
    async def run():
        with pytest.raises(Conflict):
            await engine.load_adapter("support", str(adapters_dir / "legal"))
        with pytest.raises(NotFound):
            await engine.unload_adapter("nobody")
        with pytest.raises(NotFound, match="nobody"):
            await collect(engine, request("merhaba", adapter="nobody"))
        for bad_name in ("../escape", "v1.2", "__base__", ""):
            with pytest.raises(InvalidRequest):
                await engine.load_adapter(bad_name, str(adapters_dir / "legal"))

    asyncio.run(run())


@pytest.mark.parametrize("damage", ["missing", "no-config", "bad-json", "no-weights", "bad-weights", "not-lora"])
def test_broken_adapter_is_an_artifact_error_and_serving_goes_on(engine, adapters_dir, tmp_path, damage):
    path = _damaged_copy(adapters_dir / "sales", tmp_path / "broken", damage)

    async def run():
        with pytest.raises(ArtifactError, match=str(path)):
            await engine.load_adapter("broken", str(path))
        assert "broken" not in engine.adapters()
        return await collect(engine, request("merhaba", adapter="sales", max_tokens=4))

    assert asyncio.run(run()).last.completion_tokens >= 1


def test_adapter_of_another_base_is_refused(engine, foreign_adapter):
    async def run():
        with pytest.raises(ArtifactError, match=f"{foreign_adapter}.*another base"):
            await engine.load_adapter("foreign", str(foreign_adapter))

    asyncio.run(run())
    assert "foreign" not in engine.adapters()


def test_adapter_targeting_missing_modules_is_refused(engine, adapters_dir, tmp_path):
    path = shutil.copytree(adapters_dir / "legal", tmp_path / "renamed")
    from safetensors.torch import load_file, save_file

    weights = load_file(path / "adapter_model.safetensors")
    save_file({k.replace("q_proj", "c_attn"): v for k, v in weights.items()}, path / "adapter_model.safetensors")

    async def run():
        with pytest.raises(ArtifactError, match="c_attn"):
            await engine.load_adapter("renamed", str(path))

    asyncio.run(run())


def test_bad_adapter_in_adapters_dir_fails_at_start(model_dir, adapters_dir, foreign_adapter, tmp_path):
    root = tmp_path / "adapters"
    shutil.copytree(adapters_dir / "legal", root / "legal")
    shutil.copytree(foreign_adapter, root / "foreign")
    with pytest.raises(ArtifactError, match=str(root / "foreign")):
        LocalEngine(model_dir, adapters_dir=root)
    with pytest.raises(ArtifactError, match=str(tmp_path / "nowhere")):
        LocalEngine(model_dir, adapters_dir=tmp_path / "nowhere")


def test_missing_or_corrupt_model_dir_is_an_artifact_error(model_dir, tmp_path):
    with pytest.raises(ArtifactError, match=str(tmp_path / "absent")):
        LocalEngine(tmp_path / "absent")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ArtifactError, match=str(empty)):
        LocalEngine(empty)
    corrupt = shutil.copytree(model_dir, tmp_path / "corrupt")
    (corrupt / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ArtifactError, match=str(corrupt)):
        LocalEngine(corrupt)


def test_prompt_tokens_are_exact_and_too_long_requests_refused(engine, reference):
    messages = [{"role": "system", "content": "kısa yanıt ver"}, {"role": "user", "content": "merhaba dünya"}]
    chat = request(chat="merhaba dünya", max_tokens=10)
    chat = type(chat)(
        request_id="c",
        model="tiny",
        messages=[type(chat.messages[0])(role=m["role"], content=m["content"]) for m in messages],
        sampling=chat.sampling,
    )
    long_prompt = "the model serves many tenants " * 30

    async def run():
        assert await engine.count_prompt_tokens(chat) == len(reference.prompt_ids(messages=messages))
        counted = await engine.count_prompt_tokens(request(long_prompt, max_tokens=10))
        assert counted == len(reference.prompt_ids(long_prompt))
        too_long = request(long_prompt, max_tokens=256 - counted + 1)
        with pytest.raises(ContextLengthExceeded, match=f"256 tokens.*{counted + 256 - counted + 1}"):
            await engine.count_prompt_tokens(too_long)
        with pytest.raises(ContextLengthExceeded):
            await collect(engine, too_long)
        fits = await collect(engine, request(long_prompt, max_tokens=256 - counted, temperature=1.0, seed=1))
        return counted, fits

    counted, fits = asyncio.run(run())
    assert fits.last.prompt_tokens == counted


def test_chat_needs_a_chat_template(model_dir, tmp_path):
    plain = shutil.copytree(model_dir, tmp_path / "no-template")
    (plain / "chat_template.jinja").unlink(missing_ok=True)
    config = json.loads((plain / "tokenizer_config.json").read_text())
    config.pop("chat_template", None)
    (plain / "tokenizer_config.json").write_text(json.dumps(config))
    engine = LocalEngine(plain)

    async def run():
        with pytest.raises(InvalidRequest, match="no chat template"):
            await collect(engine, request(chat="merhaba"))
        completion = await collect(engine, request("merhaba", max_tokens=3))
        await engine.aclose()
        return completion

    assert asyncio.run(run()).last.completion_tokens == 3


def test_bad_sampling_settings_are_invalid_requests(engine):
    async def run():
        for settings in ({"max_tokens": 0}, {"temperature": -1.0}, {"top_p": 0.0}):
            with pytest.raises(InvalidRequest):
                await collect(engine, request("merhaba", **settings))

    asyncio.run(run())


def _damaged_copy(source: Path, target: Path, damage: str) -> Path:
    if damage == "missing":
        return target
    shutil.copytree(source, target)
    if damage == "no-config":
        (target / "adapter_config.json").unlink()
    elif damage == "bad-json":
        (target / "adapter_config.json").write_text("{not json")
    elif damage == "no-weights":
        (target / "adapter_model.safetensors").unlink()
    elif damage == "bad-weights":
        (target / "adapter_model.safetensors").write_bytes(b"\x00" * 64)
    elif damage == "not-lora":
        config = json.loads((target / "adapter_config.json").read_text())
        (target / "adapter_config.json").write_text(json.dumps({**config, "peft_type": "PREFIX_TUNING"}))
    return target
