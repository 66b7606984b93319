"""The ``paramstack`` command: one Typer app; each command group lives in its own file under ``cli/``.

Groups with sub-commands expose ``app`` (a Typer); single commands expose ``register(app)``. None of them
imports torch at start-up: heavy libraries load inside the commands that need them.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="paramstack",
    help="Own your language-model parameters and serve them to many tenants safely.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

# (module under paramstack.cli, command name, help) for groups of sub-commands
GROUPS = (
    ("tenants", "tenants", "Add, list, show, update, disable and enable tenants."),
    ("keys", "keys", "Create, list and revoke API keys."),
    ("guard", "guard", "Guardrails: check texts, test and train policies."),
    ("corpus", "corpus", "Build training corpora (normalise, dedupe, PII scrub)."),
    ("tokenizer", "tokenizer", "Train SentencePiece tokenizers."),
    ("attest", "attest", "Signing keys and response verification."),
    ("audit", "audit", "Verify and export the tamper-evident audit log."),
    ("provenance", "provenance", "Signed manifests: sign, verify, trace a response to its data."),
    ("rlaif", "rlaif", "RLAIF preference data; import/export for human labelling."),
    ("adapters", "adapters", "Adapter registry: versions and the one tenants get."),
    ("rag", "rag", "Per-tenant RAG collections."),
    ("deploy", "deploy", "vLLM launch and KServe manifests."),
    ("canary", "canary", "Canary rollouts of adapter versions with SLO checks."),
)
# modules that add single commands with register(app)
COMMANDS = ("server", "usage", "cost_report", "generate", "pretrain", "sft", "default_model", "dpo", "eval")


def _register() -> None:
    for module, name, help_text in GROUPS:
        app.add_typer(importlib.import_module(f"paramstack.cli.{module}").app, name=name, help=help_text)
    for module in COMMANDS:
        importlib.import_module(f"paramstack.cli.{module}").register(app)


_register()

if __name__ == "__main__":
    app()
