"""``paramstack canary run|status|promote|rollback``: roll an adapter version out under an SLO policy."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import typer

from paramstack.cli.context import CliContext
from paramstack.cli.output import cli_errors, emit
from paramstack.errors import InvalidRequest

app = typer.Typer(no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
RolloutArg = Annotated[int, typer.Argument(help="The rollout id (see `paramstack canary status`).")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why (goes to the audit log and the webhook).")]


def _audit_log(ctx: CliContext) -> Any:
    from paramstack.attest.audit import AuditLog

    return AuditLog(ctx.database)  # decisions only; the gateway signs checkpoints over the same chain


@app.command("run")
def run(
    tenant: Annotated[str, typer.Option("--tenant", help="Tenant (org id) whose adapter rolls out.")],
    adapter: Annotated[str, typer.Option("--adapter", help="Adapter name in the registry.")],
    version: Annotated[str, typer.Option("--version", help="The new version (the canary).")],
    policy_file: Annotated[Path, typer.Option("--policy", help="SLO policy YAML.")],
    max_intervals: Annotated[
        int | None, typer.Option(help="Stop after this many intervals (default: until promoted or rolled back).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Preflight the version, start at the first step, judge every interval, promote or roll back."""
    from paramstack.attest.keystore import SigningKeyStore
    from paramstack.deploy.canary_factory import build_controller, ensure_policy_can_be_judged
    from paramstack.deploy.canary_preflight import preflight
    from paramstack.deploy.canary_store import CanaryStore
    from paramstack.deploy.slo_policy import load_policy
    from paramstack.registry import AdapterRegistry

    with cli_errors():
        ctx = CliContext.load()
        policy = load_policy(policy_file)
        ensure_policy_can_be_judged(policy, ctx.settings.canary)
        if adapter not in ctx.tenants.get(tenant).adapters:
            raise InvalidRequest(f"tenant {tenant!r} does not use adapter {adapter!r}", param="adapter")
        keyring = SigningKeyStore(ctx.settings.attest.resolved_keys_dir(ctx.settings.home)).current()
        checked = preflight(AdapterRegistry(ctx.database), adapter, version, keyring)
        for warning in checked.warnings:
            typer.echo(f"warning: {warning}", err=True)
        controller = build_controller(ctx.database, policy, ctx.settings.canary, audit=_audit_log(ctx))

        async def go() -> Any:
            rollout = await controller.start(tenant, adapter, checked.stable.version, version, policy)
            return await controller.run(rollout.id, max_intervals=max_intervals)

        final = asyncio.run(go())
        events = CanaryStore(ctx.database).events(final.id)
    emit({"rollout": final.to_dict(), "events": events}, as_json, _render_run)


@app.command("status")
def status(
    rollout: Annotated[int | None, typer.Argument(help="A rollout id; default: all running.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Running rollouts, or one rollout with its decision history."""
    from paramstack.deploy.canary_store import RUNNING, CanaryStore

    with cli_errors():
        store = CanaryStore(CliContext.load().database)
        if rollout is None:
            data: dict[str, Any] = {"rollouts": [r.to_dict() for r in store.list(status=RUNNING)]}
        else:
            data = {"rollout": store.get(rollout).to_dict(), "events": store.events(rollout)}
    emit(data, as_json, _render_status)


@app.command("promote")
def promote(rollout: RolloutArg, reason: ReasonOption = "promoted by hand", as_json: JsonFlag = False) -> None:
    """Make the canary the stable version now."""
    _manual(rollout, "promote", reason, as_json)


@app.command("rollback")
def rollback(rollout: RolloutArg, reason: ReasonOption = "rolled back by hand", as_json: JsonFlag = False) -> None:
    """Send every end user back to the stable version now."""
    _manual(rollout, "rollback", reason, as_json)


def _manual(rollout_id: int, action: str, reason: str, as_json: bool) -> None:
    from paramstack.deploy.canary_factory import build_controller
    from paramstack.deploy.canary_store import CanaryStore
    from paramstack.deploy.slo_policy import SloPolicy

    with cli_errors():
        ctx = CliContext.load()
        store = CanaryStore(ctx.database)
        policy = SloPolicy.model_validate(store.get(rollout_id).policy)
        controller = build_controller(ctx.database, policy, ctx.settings.canary, audit=_audit_log(ctx))
        method = controller.promote if action == "promote" else controller.rollback
        final = asyncio.run(method(rollout_id, reason))
    emit({"rollout": final.to_dict()}, as_json, lambda d: _line(d["rollout"]))


def _line(r: dict[str, Any]) -> str:
    return (
        f"#{r['id']} {r['org_id']}/{r['adapter']} {r['canary_version']} vs {r['stable_version']}: "
        f"{r['status']} at {r['weight']}%"
    )


def _render_run(data: dict[str, Any]) -> str:
    lines = [f"{e['at']}  {e['action']:<8} {e['weight']:>3}%  {e['reason']}" for e in data["events"]]
    return "\n".join([*lines, _line(data["rollout"])])


def _render_status(data: dict[str, Any]) -> str:
    if "rollouts" in data:
        return "\n".join(_line(r) for r in data["rollouts"]) or "no rollout running"
    return _render_run(data)
