"""Settings: defaults under PARAMSTACK_HOME, YAML file, env overrides, and errors that name the field."""

from __future__ import annotations

import pytest

from paramstack.errors import ConfigurationError
from paramstack.settings import DEFAULT_MODEL_NAME, load_settings


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("PARAMSTACK_HOME", str(tmp_path))
    monkeypatch.delenv("PARAMSTACK_CONFIG", raising=False)
    return tmp_path


def test_defaults_live_under_home(home):
    settings = load_settings()
    assert settings.home == home
    assert settings.resolved_database_url == f"sqlite:///{home / 'paramstack.db'}"
    assert [m.name for m in settings.models] == [DEFAULT_MODEL_NAME]
    assert settings.models[0].path == home / "models" / DEFAULT_MODEL_NAME


def test_yaml_file_then_environment(home, monkeypatch):
    (home / "paramstack.yaml").write_text(
        "port: 9001\nmodels:\n  - name: vllm-mistral\n    backend: openai\n    base_url: http://vllm:8000\n"
    )
    settings = load_settings()
    assert settings.port == 9001 and settings.models[0].backend == "openai"
    monkeypatch.setenv("PARAMSTACK_PORT", "9002")
    assert load_settings().port == 9002


@pytest.mark.parametrize(
    ("yaml_text", "field"),
    [
        ("port: -1\n", "port"),
        ("portt: 1\n", "portt"),
        ("models:\n  - name: m\n    backend: openai\n", "models.0"),
        ("models:\n  - {name: m, backend: local, path: /x}\n  - {name: m, backend: local, path: /y}\n", "models"),
    ],
)
def test_bad_settings_name_the_field(home, yaml_text, field):
    (home / "paramstack.yaml").write_text(yaml_text)
    with pytest.raises(ConfigurationError, match=field.replace(".", r"\.")):
        load_settings()


def test_missing_explicit_config_file(home, monkeypatch):
    monkeypatch.setenv("PARAMSTACK_CONFIG", str(home / "nope.yaml"))
    with pytest.raises(ConfigurationError, match="nope.yaml"):
        load_settings()
