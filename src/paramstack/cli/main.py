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
    from paramstack.cli import attest, audit, provenance
    app.add_typer(attest.app, name="attest", help="Signing keys and response verification.")
    app.add_typer(audit.app, name="audit", help="Verify and export the tamper-evident audit log.")
    app.add_typer(provenance.app, name="provenance", help="Signed manifests: sign, verify, trace a response.")


_register()

if __name__ == "__main__":
    app()
