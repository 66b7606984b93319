"""``paramstack init`` and ``paramstack serve``: the main job."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Annotated, Any

import typer

from paramstack.cli.context import CliContext
from paramstack.cli.output import cli_errors, emit
from paramstack.engine.embedded_default import install_embedded_default
from paramstack.errors import NotFound
from paramstack.settings import DEFAULT_MODEL_NAME
from paramstack.tenancy.demo import demo_tenants

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("serve")(serve)


def init(
    demo: Annotated[bool, typer.Option("--demo", help="Create the three demo tenants with keys.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Create the data dir and database, install the embedded default model, print an admin key."""
    with cli_errors():
        ctx = CliContext.load()
        settings = ctx.settings
        settings.home.mkdir(parents=True, exist_ok=True)
        uses_default = settings.model(DEFAULT_MODEL_NAME) == settings.embedded_default_model()
        installed = install_embedded_default(settings) if uses_default else []
        _revoke_named(ctx, None, "init")
        admin, admin_secret = ctx.keys.create(None, scope="admin", name="init")
        result: dict[str, Any] = {
            "home": str(settings.home),
            "database_url": _redacted(settings.resolved_database_url),
            "installed": installed,
            "admin_key": admin_secret,
            "base_url": f"http://{settings.host}:{settings.port}/v1",
            "tenants": [],
        }
        if demo:
            result["tenants"] = [_demo_tenant(ctx, t.org_id, t.spec) for t in demo_tenants(DEFAULT_MODEL_NAME)]
    emit(result, as_json, _render_init)


def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default from settings).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from settings).")] = None,
) -> None:
    """Run the gateway (FastAPI on uvicorn) with the settings of PARAMSTACK_HOME / PARAMSTACK_CONFIG."""
    import uvicorn

    from paramstack.gateway.app import create_app
    from paramstack.observability.logging import configure_logging, uvicorn_log_config

    with cli_errors():
        ctx = CliContext.load()
        ctx.database  # noqa: B018 - migrate before the first request
        configure_logging(ctx.settings.log_level, ctx.settings.log_format)
        app = create_app(ctx.settings)
    with _metrics_listener(app, ctx.settings):
        uvicorn.run(
            app,
            host=host or ctx.settings.host,
            port=port if port is not None else ctx.settings.port,
            log_config=uvicorn_log_config(ctx.settings.log_level, ctx.settings.log_format),
            access_log=False,
            # X-Forwarded-For/-Proto are believed from auth.trusted_proxies only: the one list that the
            # failed-authentication limiter uses too (gateway/client_address.py)
            proxy_headers=True,
            forwarded_allow_ips=[str(net) for net in ctx.settings.auth.trusted_proxies],
        )


def _metrics_listener(app: Any, settings: Any) -> AbstractContextManager[Any]:
    """``/metrics`` on its own listener (metrics.host:metrics.port), off the public port; none if port is unset."""
    from paramstack.gateway.metrics_listener import MetricsListener

    if settings.metrics.port is None:
        return nullcontext()
    return MetricsListener(app.state.services.metrics, settings.metrics.host, settings.metrics.port)


def _demo_tenant(ctx: CliContext, org_id: str, spec: Any) -> dict[str, Any]:
    try:
        tenant = ctx.tenants.get(org_id)
    except NotFound:
        tenant = ctx.tenants.add(org_id, spec)
    _revoke_named(ctx, org_id, "demo")
    _, secret = ctx.keys.create(org_id, name="demo")
    models = [*tenant.models, *(f"{m}:{a}" for m in tenant.models for a in tenant.adapters)]
    return {
        "org_id": org_id,
        "name": tenant.name,
        "api_key": secret,
        "models": models,
        "adapter": tenant.default_adapter,
        "rag_collection": tenant.rag_collection,
        "guard_policy": tenant.guard_policy,
        "limits": tenant.limits.model_dump(),
    }


def _revoke_named(ctx: CliContext, org_id: str | None, name: str) -> None:
    """Re-running init replaces the keys it printed before, so only the latest printed keys work."""
    for key in ctx.keys.list(org_id, include_revoked=False):
        if key.name == name and key.org_id == org_id:
            ctx.keys.revoke(key.key_id)


def _redacted(url: str) -> str:
    head, sep, tail = url.partition("@")
    if not sep or "://" not in head:
        return url
    scheme, _, credentials = head.partition("://")
    return f"{scheme}://{credentials.split(':')[0]}:***@{tail}" if ":" in credentials else url


def _render_init(result: dict[str, Any]) -> str:
    lines = [
        f"data dir:   {result['home']}",
        f"database:   {result['database_url']}",
        f"base URL:   {result['base_url']}",
        f"admin key:  {result['admin_key']}  (shown once)",
    ]
    for tenant in result["tenants"]:
        lines.append(
            f"tenant {tenant['org_id']:<14} {tenant['name']:<12} key: {tenant['api_key']}  "
            f"models: {', '.join(tenant['models'])}"
        )
    return "\n".join(lines)
