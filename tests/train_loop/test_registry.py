"""The adapter registry: versions, the stable pointer tenants get, engine names, and refusing an adapter
that does not fit its base. Store behaviour runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from paramstack.cli.main import app
from paramstack.errors import Conflict, InvalidRequest, NotFound
from paramstack.registry import AdapterRegistry, AdapterResolver, split_engine_adapter_name

runner = CliRunner()


@pytest.fixture
def registry(database):
    return AdapterRegistry(database)


def test_versions_channels_and_engine_names(registry):
    first = registry.register("medical-lora", "/adapters/m1", "paramstack-tiny", manifest_sha256="a" * 64)
    second = registry.register("medical-lora", "/adapters/m2", "paramstack-tiny", details={"win_rate": 0.7})
    registry.register("legal-lora", "/adapters/l1", "other-base", version="2026-11-28")

    assert (first.version, second.version) == ("v1", "v2")
    assert registry.channels("medical-lora") == {"stable": "v1"}  # a new version is not served until promoted
    assert registry.engine_adapter("medical-lora") == "medical-lora@v1"
    assert registry.engine_adapter("ailydian-general") == "ailydian-general"  # unregistered: unchanged
    assert split_engine_adapter_name("medical-lora@v2") == ("medical-lora", "v2")

    registry.set_channel("medical-lora", "stable", "v2")
    registry.set_channel("medical-lora", "canary", "v1")
    assert registry.current("medical-lora").path == "/adapters/m2"
    assert registry.snapshot()["medical-lora"] == {"stable": "medical-lora@v2", "canary": "medical-lora@v1"}
    assert registry.attachments("paramstack-tiny") == [
        ("medical-lora@v1", "/adapters/m1"),
        ("medical-lora@v2", "/adapters/m2"),
    ]
    assert registry.attachments("paramstack-tiny", channels=("stable",)) == [("medical-lora@v2", "/adapters/m2")]
    assert [s.to_dict() for s in registry.list()] == [
        {
            "name": "legal-lora",
            "base_model": "other-base",
            "versions": 1,
            "latest": "2026-11-28",
            "channels": {"stable": "2026-11-28"},
        },
        {
            "name": "medical-lora",
            "base_model": "paramstack-tiny",
            "versions": 2,
            "latest": "v2",
            "channels": {"canary": "v1", "stable": "v2"},
        },
    ]

    with pytest.raises(Conflict, match="already has a version 'v2'"):
        registry.register("medical-lora", "/x", "paramstack-tiny", version="v2")
    with pytest.raises(Conflict, match="registered on base 'paramstack-tiny'"):
        registry.register("medical-lora", "/x", "another-base")
    with pytest.raises(InvalidRequest, match="no dots"):
        registry.register("medical-lora", "/x", "paramstack-tiny", version="1.2.0")
    with pytest.raises(NotFound):
        registry.set_channel("medical-lora", "stable", "v9")
    with pytest.raises(Conflict):
        registry.clear_channel("medical-lora", "stable")


def test_the_resolver_caches_and_sees_a_promotion_after_its_ttl(registry):
    now = [0.0]
    resolver = AdapterResolver(registry, ttl_s=2.0, clock=lambda: now[0])
    registry.register("medical-lora", "/m1", "paramstack-tiny")
    registry.register("medical-lora", "/m2", "paramstack-tiny")
    assert resolver.engine_adapter("medical-lora") == "medical-lora@v1"
    registry.set_channel("medical-lora", "stable", "v2")
    assert resolver.engine_adapter("medical-lora") == "medical-lora@v1"  # cached
    now[0] = 2.5
    assert resolver.engine_adapter("medical-lora") == "medical-lora@v2"
    assert resolver.engine_adapter("medical-lora@v1") == "medical-lora@v1"  # a pinned version passes through


def test_adapters_cli_registers_lists_shows_and_refuses_a_mismatched_adapter(tiny_model, tmp_path, monkeypatch):
    monkeypatch.setenv("PARAMSTACK_HOME", str(tmp_path / "home"))
    model_dir, adapters_dir = tiny_model
    adapter = adapters_dir / "medical-lora"
    result = runner.invoke(
        app, ["adapters", "register", "medical-lora", "--path", str(adapter), "--base-model", str(model_dir), "--json"]
    )
    assert result.exit_code == 0, result.stderr
    registered = json.loads(result.stdout)
    assert registered["engine_name"] == "medical-lora@v1" and registered["channels"] == {"stable": "v1"}
    assert "the adapter has no signed manifest" in registered["details"]["notes"]

    result = runner.invoke(
        app,
        [
            "adapters",
            "register",
            "medical-lora",
            "--path",
            str(adapter),
            "--base-model",
            str(model_dir),
            "--version",
            "v2-dpo",
        ],
    )
    assert result.exit_code == 0 and "medical-lora@v2-dpo" in result.stdout
    listed = json.loads(runner.invoke(app, ["adapters", "list", "--json"]).stdout)["data"]
    assert listed[0]["versions"] == 2 and listed[0]["channels"] == {"stable": "v1"}
    promoted = runner.invoke(app, ["adapters", "promote", "medical-lora", "v2-dpo"])
    assert promoted.exit_code == 0 and "stable -> v2-dpo" in promoted.stdout
    shown = runner.invoke(app, ["adapters", "show", "medical-lora"])
    assert "v2-dpo" in shown.stdout and "<- stable" in shown.stdout

    # An adapter trained on a base of another shape is refused, naming the module.
    wide = tmp_path / "wide"
    _wide_adapter(model_dir, wide)
    result = runner.invoke(app, ["adapters", "register", "wide", "--path", str(wide), "--base-model", str(model_dir)])
    assert result.exit_code == 2
    assert "does not fit base" in result.stderr and "q_proj" in result.stderr
    missing = runner.invoke(app, ["adapters", "show", "nope"])
    assert missing.exit_code == 2 and "not registered" in missing.stderr


def _wide_adapter(model_dir, out):
    """A LoRA adapter for a model twice as wide as the tiny test model."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.from_pretrained(model_dir)
    config.hidden_size, config.intermediate_size = config.hidden_size * 2, config.intermediate_size * 2
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config)
    get_peft_model(model, LoraConfig(r=4, target_modules=["q_proj", "v_proj"])).save_pretrained(out)
