"""Files shipped inside the package: the default corpus, the embedded default model and its demo adapters.

Everything here is written or trained by paramstack itself (see ``paramstack build-default-model``);
nothing is downloaded at run time.
"""

from __future__ import annotations

from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent
DEMO_ADAPTERS = ("ailydian-general", "medical-lora", "legal-lora")


def corpus_dir() -> Path:
    """The default corpus: ``base/`` (pretraining, by domain) and ``tenants/`` (one SFT set per demo adapter)."""
    return ASSETS_DIR / "corpus"


def default_model_dir() -> Path:
    """The embedded ``paramstack-tiny`` model directory (save_pretrained format, tokenizer included)."""
    return ASSETS_DIR / "paramstack-tiny"


def adapters_dir() -> Path:
    """Directory of the demo tenant adapters (PEFT format), one sub-directory per adapter name."""
    return ASSETS_DIR / "adapters"
