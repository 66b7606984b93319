"""Running gateways for the browser pages (the labelling page, the operations console) and a real headless
Chromium.

Chromium comes from Debian (`apt-get install chromium`, done by .ci/run); Playwright only drives it
(``executable_path``): no browser is ever downloaded. Outside CI a missing Chromium skips loudly; under
CI=true it fails, so the labelling page is always exercised there.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from paramstack.registry import AdapterRegistry
from paramstack.storage.database import create_db_engine
from tests.gateway_process import start_gateway, tiny_model_config

CHROMIUM = Path(os.environ.get("PARAMSTACK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-extensions",
    "--no-first-run",
    "--disable-sync",
    "--metrics-recording-only",
]
# The console's gateway prices the cost report (there are no default prices) and re-reads rollouts quickly.
CONSOLE_CONFIG = {
    # These tests sign in with wrong keys and call with revoked ones on purpose, all from 127.0.0.1: the
    # failed-authentication limiter (tests/gateway/test_failed_auth.py) would start answering 429 within a minute.
    "auth": {"max_failures": 1000},
    "metering": {
        "cost": {
            "gpu_hour_price": "2.50",
            "gpu_output_tokens_per_s": "400",
            "external_input_per_1k": "0.0005",
            "external_output_per_1k": "0.0015",
            "infra_monthly_price": "0",
            "hybrid_self_hosted_share": "0.7",
        }
    },
    "canary": {"refresh_s": 0.5},
}
CANARY_POLICY = {"steps": [25, 100], "interval": "1h", "slo": {"max_error_rate": 0.05, "max_p95_latency_s": 5}}
PAIRS = [
    {
        "prompt": "What is LoRA?",
        "chosen": "LoRA trains small low-rank matrices beside frozen weights.",
        "rejected": "K/K/K/K",
        "chosen_score": 7.9,
        "rejected_score": 1.2,
        "metadata": {
            "prompt_id": "p1",
            "judge": "offline(embeddings+guard)",
            "chosen_temp": 0.3,
            "rejected_temp": 0.9,
            "num_candidates": 4,
            "scores": {
                "chosen": {"relevance": 8, "helpfulness": 7, "accuracy": 8, "safety": 10, "clarity": 9, "overall": 7.9},
                "rejected": {
                    "relevance": 1,
                    "helpfulness": 0,
                    "accuracy": 0,
                    "safety": 10,
                    "clarity": 0,
                    "overall": 1.2,
                },
            },
        },
    },
    {
        "prompt": "KVKK nedir?",
        "chosen": "KVKK bir yemek tarifidir.",
        "rejected": "KVKK, Türkiye'nin kişisel verileri koruma kanunudur.",
        "chosen_score": 6.0,
        "rejected_score": 5.1,
        "metadata": {"prompt_id": "p2", "judge": "offline"},
    },
    {
        "prompt": "Tell me a joke <script>alert(1)</script>",
        "chosen": "<b>not bold</b>",
        "rejected": "no",
        "chosen_score": 5.0,
        "rejected_score": 4.0,
        "metadata": {"prompt_id": "p3", "judge": "offline"},
    },
    {
        "prompt": "What is DPO?",
        "chosen": "DPO is a thing.",
        "rejected": "dpo dpo dpo dpo",
        "chosen_score": 4.0,
        "rejected_score": 2.0,
        "metadata": {"prompt_id": "p4", "judge": "offline"},
    },
]


def require_browser() -> None:
    problem = None
    if not CHROMIUM.is_file():
        problem = f"{CHROMIUM} is missing (apt-get install -y chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is missing (pip install -e '.[dev]')"
    if problem is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true: {problem}", pytrace=False)
    pytest.skip(f"!!! SKIPPED: the labelling page needs a real browser: {problem} !!!")


@pytest.fixture(scope="session")
def label_gateway(tiny_model, tmp_path_factory):
    model_dir, adapters_dir = tiny_model
    home = tmp_path_factory.mktemp("label-gateway")
    server = start_gateway(home, tiny_model_config(model_dir, adapters_dir))
    pairs = home / "pairs.jsonl"
    pairs.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in PAIRS), encoding="utf-8")
    imported = server.cli("rlaif", "import", str(pairs), "--dataset", "review-1", "--json")
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout) == {"dataset": "review-1", "added": 4, "already_there": 0}
    yield server
    server.stop()


@pytest.fixture(scope="session")
def console_gateway(tiny_model, tmp_path_factory):
    """The demo tenants' gateway with medical-lora v2 rolling out as a canary (25 %) beside v1, started by the
    real `paramstack canary run` (one interval of an hour: it stays running until someone decides)."""
    model_dir, adapters_dir = tiny_model
    home = tmp_path_factory.mktemp("console-gateway")
    server = start_gateway(home, tiny_model_config(model_dir, adapters_dir, **CONSOLE_CONFIG))
    second = home / "medical-lora-v2"
    shutil.copytree(adapters_dir / "medical-lora", second)
    database = create_db_engine(f"sqlite:///{home / 'paramstack.db'}")
    registry = AdapterRegistry(database)  # what `paramstack adapters register` does, without two more processes
    registry.register("medical-lora", str(adapters_dir / "medical-lora"), "paramstack-tiny", version="v1")
    registry.register("medical-lora", str(second), "paramstack-tiny", version="v2")
    database.dispose()
    policy = home / "canary.yaml"
    policy.write_text(yaml.safe_dump(CANARY_POLICY), encoding="utf-8")
    started = server.cli(
        "canary",
        "run",
        "--tenant",
        "org_medical",
        "--adapter",
        "medical-lora",
        "--version",
        "v2",
        "--policy",
        str(policy),
        "--max-intervals",
        "0",
        "--json",
    )
    assert started.returncode == 0, started.stderr
    assert json.loads(started.stdout)["rollout"]["status"] == "running"
    yield server
    server.stop()


@pytest.fixture
def chromium():
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium):
    page = chromium.new_page(viewport={"width": 1200, "height": 900})
    page.set_default_timeout(15_000)
    return page
