"""A running gateway with a dataset of preference pairs imported, and a real headless Chromium.

Chromium comes from Debian (`apt-get install chromium`, done by .ci/run); Playwright only drives it
(``executable_path``): no browser is ever downloaded. Outside CI a missing Chromium skips loudly; under
CI=true it fails, so the labelling page is always exercised there.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.gateway_process import start_gateway, tiny_model_config

CHROMIUM = Path(os.environ.get("PARAMSTACK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-extensions", "--no-first-run", "--disable-sync", "--metrics-recording-only"]
PAIRS = [
    {"prompt": "What is LoRA?", "chosen": "LoRA trains small low-rank matrices beside frozen weights.",
     "rejected": "K/K/K/K", "chosen_score": 7.9, "rejected_score": 1.2,
     "metadata": {"prompt_id": "p1", "judge": "offline(embeddings+guard)", "chosen_temp": 0.3,
                  "rejected_temp": 0.9, "num_candidates": 4,
                  "scores": {"chosen": {"relevance": 8, "helpfulness": 7, "accuracy": 8, "safety": 10, "clarity": 9,
                                        "overall": 7.9},
                             "rejected": {"relevance": 1, "helpfulness": 0, "accuracy": 0, "safety": 10,
                                          "clarity": 0, "overall": 1.2}}}},
    {"prompt": "KVKK nedir?", "chosen": "KVKK bir yemek tarifidir.",
     "rejected": "KVKK, Türkiye'nin kişisel verileri koruma kanunudur.", "chosen_score": 6.0,
     "rejected_score": 5.1, "metadata": {"prompt_id": "p2", "judge": "offline"}},
    {"prompt": "Tell me a joke <script>alert(1)</script>", "chosen": "<b>not bold</b>", "rejected": "no",
     "chosen_score": 5.0, "rejected_score": 4.0, "metadata": {"prompt_id": "p3", "judge": "offline"}},
    {"prompt": "What is DPO?", "chosen": "DPO is a thing.", "rejected": "dpo dpo dpo dpo",
     "chosen_score": 4.0, "rejected_score": 2.0, "metadata": {"prompt_id": "p4", "judge": "offline"}},
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


@pytest.fixture
def browser_page():
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.set_default_timeout(15_000)
        yield page
        browser.close()
