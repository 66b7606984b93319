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


_register()

if __name__ == "__main__":
    app()
