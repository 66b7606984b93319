"""The ``paramstack`` command: one Typer app, one sub-app per command group (one file each)."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="paramstack",
    help="Own your language-model parameters and serve them to many tenants safely.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    # Imported here so that `paramstack --help` stays fast and no group imports torch at start-up.
    from paramstack.cli import keys, server, tenants

    app.add_typer(tenants.app, name="tenants", help="Add, list, show, update and disable tenants.")
    app.add_typer(keys.app, name="keys", help="Create, list and revoke API keys.")
    server.register(app)  # init, serve
    # Command groups of later rooms register here, one line each.
    from paramstack.cli import cost_report, usage  # metering
    usage.register(app)  # usage
    cost_report.register(app)  # cost-report
    app.add_typer(__import__("paramstack.cli.guard", fromlist=["app"]).app, name="guard", help="Guardrails.")
    from paramstack.cli import corpus, default_model, pretrain, sft, tokenizer  # training (train/)
    app.add_typer(corpus.app, name="corpus", help="Build training corpora (normalise, dedupe, PII scrub).")
    app.add_typer(tokenizer.app, name="tokenizer", help="Train SentencePiece tokenizers.")
    pretrain.register(app)  # pretrain
    sft.register(app)  # sft
    default_model.register(app)  # build-default-model
    from paramstack.cli import attest, audit, provenance
    app.add_typer(attest.app, name="attest", help="Signing keys and response verification.")
    app.add_typer(audit.app, name="audit", help="Verify and export the tamper-evident audit log.")
    app.add_typer(provenance.app, name="provenance", help="Signed manifests: sign, verify, trace a response.")
    app.add_typer(__import__("paramstack.cli.deploy", fromlist=["app"]).app, name="deploy", help="vLLM and KServe.")
    app.add_typer(__import__("paramstack.cli.canary", fromlist=["app"]).app, name="canary", help="Canary rollouts.")
    __import__("paramstack.cli.generate", fromlist=["register"]).register(app)  # generate
    from paramstack.cli import adapters, dpo, rlaif  # the preference loop (train/rlaif, dpo, evaluate; registry/)
    from paramstack.cli import eval as eval_cli
    app.add_typer(rlaif.app, name="rlaif", help="RLAIF preference data; import/export for human labelling.")
    dpo.register(app)  # dpo
    eval_cli.register(app)  # eval
    app.add_typer(adapters.app, name="adapters", help="Adapter registry: versions and the one tenants get.")
    app.add_typer(__import__("paramstack.cli.rag", fromlist=["app"]).app, name="rag", help="RAG collections.")


_register()

if __name__ == "__main__":
    app()
