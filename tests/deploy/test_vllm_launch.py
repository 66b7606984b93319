"""`paramstack deploy vllm`: the command line, and the mistakes it refuses before a GPU is ever used."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys

import pytest
import yaml

from paramstack.deploy.config_file import load_deploy_config
from paramstack.deploy.vllm_command import build_launch
from paramstack.deploy.vllm_config import VllmSettings
from paramstack.errors import ConfigurationError


def launch(**fields):
    return build_launch(VllmSettings.model_validate(fields))


def test_command_has_multi_lora_speculation_and_fp8(tmp_path):
    plan = launch(
        model="mistralai/Mistral-7B-Instruct-v0.2",
        served_model_name="mistral-7b",
        port=8100,
        tensor_parallel_size=2,
        kv_cache_dtype="fp8",
        lora={
            "max_loras": 5,
            "max_lora_rank": 64,
            "max_cpu_loras": 10,
            "modules": [
                {"name": "medical-lora@v1", "path": "/adapters/medical/v1"},
                {"name": "legal-lora@v3", "path": "/adapters/legal/v3", "base_model_name": "mistral-7b"},
            ],
        },
        speculative={"method": "ngram", "num_speculative_tokens": 4},
    )
    argv = plan.argv
    assert argv[:3] == ["vllm", "serve", "mistralai/Mistral-7B-Instruct-v0.2"]
    joined = shlex.join(argv)
    for expected in (
        "--port 8100",
        "--tensor-parallel-size 2",
        "--enable-lora",
        "--max-loras 5",
        "--max-lora-rank 64",
        "--max-cpu-loras 10",
        "--kv-cache-dtype fp8",
        "--served-model-name mistral-7b",
    ):
        assert expected in joined
    modules = argv[argv.index("--lora-modules") + 1 : argv.index("--lora-modules") + 3]
    assert modules[0] == "medical-lora@v1=/adapters/medical/v1"
    assert json.loads(modules[1]) == {
        "name": "legal-lora@v3",
        "path": "/adapters/legal/v3",
        "base_model_name": "mistral-7b",
    }
    speculative = json.loads(argv[argv.index("--speculative-config") + 1])
    assert speculative == {"method": "ngram", "num_speculative_tokens": 4, "prompt_lookup_max": 4}
    assert plan.env == {"VLLM_ALLOW_RUNTIME_LORA_UPDATING": "True"}
    assert any("scale 1.0" in w for w in plan.warnings)  # uncalibrated FP8 KV cache is called out
    script = plan.shell()
    assert script.startswith("#!/usr/bin/env bash") and "exec vllm serve" in script
    # The script runs exactly argv (bash -n parses it; the exec line re-splits to the same words).
    subprocess.run(["bash", "-n"], input=script, text=True, check=True)


def test_a_tool_call_parser_enables_auto_tool_choice():
    assert "--enable-auto-tool-choice --tool-call-parser mistral" in shlex.join(launch(tool_call_parser="mistral").argv)
    assert "--enable-auto-tool-choice" not in launch().argv


@pytest.mark.parametrize(
    ("lora", "message"),
    [
        ({"max_loras": 8, "max_cpu_loras": 4}, "max_cpu_loras (4) must be >= max_loras (8)"),
        ({"max_lora_rank": 24}, "max_lora_rank 24 is not one vLLM accepts"),
        ({"modules": [{"name": "a", "path": "/x"}, {"name": "a", "path": "/y"}]}, "repeated: a"),
    ],
)
def test_lora_settings_vllm_would_refuse_are_refused_here(lora, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        VllmSettings.model_validate({"lora": lora})


def test_adapter_rank_above_max_lora_rank_is_refused(tmp_path):
    adapter = tmp_path / "medical-v2"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": 64}))
    with pytest.raises(ConfigurationError, match="adapter 'medical-lora@v2' has rank 64, above max_lora_rank 16"):
        launch(lora={"max_lora_rank": 16, "modules": [{"name": "medical-lora@v2", "path": str(adapter)}]})


def _model_dir(root, name, vocab_size, tokens=None, heads=32):
    directory = root / name
    directory.mkdir()
    (directory / "config.json").write_text(json.dumps({"vocab_size": vocab_size, "num_attention_heads": heads}))
    if tokens is not None:
        vocab = {token: index for index, token in enumerate(tokens)}
        (directory / "tokenizer.json").write_text(
            json.dumps({"model": {"type": "BPE", "vocab": vocab}, "added_tokens": []})
        )
    return str(directory)


def test_draft_model_with_another_vocab_size_is_refused(tmp_path):
    target, draft = _model_dir(tmp_path, "mistral", 32768), _model_dir(tmp_path, "tinyllama", 32000)
    with pytest.raises(ConfigurationError, match="vocab_size 32000 but the target .* has 32768"):
        launch(model=target, speculative={"method": "draft_model", "model": draft})


def test_draft_model_with_same_size_but_other_tokens_is_refused(tmp_path):
    tokens = [f"tok{i}" for i in range(50)]
    other = [*tokens[:10], *(f"other{i}" for i in range(10, 50))]
    target = _model_dir(tmp_path, "target", 50, tokens)
    draft = _model_dir(tmp_path, "draft", 50, other)
    with pytest.raises(ConfigurationError, match="different tokenizer: 40 token ids differ .first: id 10"):
        launch(model=target, speculative={"method": "draft_model", "model": draft})
    same = _model_dir(tmp_path, "draft-same", 50, tokens)
    plan = launch(model=target, speculative={"method": "draft_model", "model": same, "num_speculative_tokens": 3})
    assert json.loads(plan.argv[plan.argv.index("--speculative-config") + 1])["model"] == same


def test_hub_draft_model_cannot_be_checked_offline_and_says_so():
    plan = launch(speculative={"method": "draft_model", "model": "TinyLlama/TinyLlama-1.1B-Chat-v1.0"})
    assert any("cannot check that draft model" in w for w in plan.warnings)


def test_tensor_parallel_must_divide_heads(tmp_path):
    with pytest.raises(ConfigurationError, match="tensor_parallel_size 3 does not divide the model's 32"):
        launch(model=_model_dir(tmp_path, "m", 32000), tensor_parallel_size=3)


def test_config_file_unknown_field_is_an_error(tmp_path):
    path = tmp_path / "deploy.yaml"
    path.write_text(yaml.safe_dump({"vllm": {"max_lora": 4}}))
    with pytest.raises(ConfigurationError, match="vllm.max_lora: Extra inputs are not permitted"):
        load_deploy_config(path)


def test_cli_prints_json_and_fails_with_one_clear_line(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump({"vllm": {"model": "m", "lora": {"max_loras": 2}}}))
    run = [sys.executable, "-m", "paramstack", "deploy", "vllm", "--config"]
    result = subprocess.run([*run, str(good), "--json"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["argv"][:3] == ["vllm", "serve", "m"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"vllm": {"lora": {"max_loras": 4, "max_cpu_loras": 2}}}))
    result = subprocess.run([*run, str(bad), "--print"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("error: invalid deploy config") and "max_cpu_loras (2)" in result.stderr
    assert "Traceback" not in result.stderr


def test_lora_modules_come_from_the_tenants_registered_versions(tmp_path):
    from paramstack.deploy.adapter_modules import merge_modules, registry_modules
    from paramstack.deploy.vllm_config import LoraModule
    from paramstack.registry import AdapterRegistry
    from paramstack.settings import ModelSettings
    from paramstack.storage.database import create_db_engine
    from paramstack.storage.migrate import upgrade_to_head
    from paramstack.tenancy.models import TenantSpec
    from paramstack.tenancy.store import TenantStore

    database = create_db_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    upgrade_to_head(database)
    tenants = TenantStore(database)
    tenants.add("org_medical", TenantSpec(name="Medical", models=["vllm-base"], adapters=["medical-lora"]))
    registry = AdapterRegistry(database)
    for name, version in (("medical-lora", "v1"), ("medical-lora", "v2"), ("unused-lora", "v1")):
        directory = tmp_path / "adapters" / name / version
        directory.mkdir(parents=True)
        registry.register(name, str(directory), base_model="vllm-base", version=version)
    model = ModelSettings(
        name="vllm-base",
        backend="openai",
        base_url="http://vllm:8000",
        adapters_dir=tmp_path / "adapters",
        upstream_adapter_dir="/mnt/adapters",
    )
    modules = registry_modules(registry, model, tenants.list())
    assert [(m.name, m.path) for m in modules] == [
        ("medical-lora@v1", "/mnt/adapters/medical-lora/v1"),
        ("medical-lora@v2", "/mnt/adapters/medical-lora/v2"),
    ]
    pinned = LoraModule(name="medical-lora@v1", path="/elsewhere")
    assert [m.path for m in merge_modules([pinned], modules)] == ["/elsewhere", "/mnt/adapters/medical-lora/v2"]
    database.dispose()
