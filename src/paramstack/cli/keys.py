"""``paramstack keys create|list|revoke``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from paramstack.cli.context import CliContext
from paramstack.cli.output import cli_errors, emit, fail

app = typer.Typer(no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def _render_key(key: dict[str, Any]) -> str:
    state = "revoked" if key.get("revoked_at") else "active"
    return f"{key['key_id']}  {key['prefix']}…  tenant={key['org_id'] or '(admin)'}  {state}  {key['name']}"


@app.command("create")
def create(
    tenant: Annotated[str | None, typer.Option(help="Tenant the key belongs to.")] = None,
    admin: Annotated[bool, typer.Option("--admin", help="An admin key (for /admin/ and /label/).")] = False,
    name: Annotated[str, typer.Option(help="A label for the key.")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Create a key. The secret is printed once and stored only as a hash."""
    with cli_errors():
        ctx = CliContext.load()
        if admin == (tenant is not None):
            fail("give exactly one of --tenant ORG_ID or --admin")
        if tenant is not None:
            ctx.tenants.get(tenant)
        key, secret = ctx.keys.create(tenant, scope="admin" if admin else "tenant", name=name)
    data = {**key.model_dump(mode="json"), "api_key": secret}
    emit(data, as_json, lambda d: f"{_render_key(d)}\napi key (shown once): {d['api_key']}")


@app.command("list")
def list_(
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's keys.")] = None, as_json: JsonFlag = False
) -> None:
    """List keys (never their secrets)."""
    with cli_errors():
        keys = [k.model_dump(mode="json") for k in CliContext.load().keys.list(tenant)]
    emit({"keys": keys}, as_json, lambda d: "\n".join(_render_key(k) for k in d["keys"]) or "no keys")


@app.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key id (key_...), as `keys list` shows it.")],
    as_json: JsonFlag = False,
) -> None:
    """Revoke a key: it stops working at once here and within seconds on other replicas."""
    with cli_errors():
        key = CliContext.load().keys.revoke(key_id)
    emit(key.model_dump(mode="json"), as_json, _render_key)
