"""``paramstack tenants add|list|show|update|disable|enable``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from paramstack.cli.context import CliContext
from paramstack.cli.output import cli_errors, emit
from paramstack.guard.gateway_step import ensure_policy_exists
from paramstack.tenancy.models import Tenant
from paramstack.tenancy.money import format_micros, parse_micros
from paramstack.tenancy.store import parse_spec

app = typer.Typer(no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
OrgId = Annotated[str, typer.Argument(help="Tenant id, e.g. org_medical.")]
Name = Annotated[str | None, typer.Option(help="Display name.")]
Models = Annotated[list[str] | None, typer.Option("--model", help="Base model the tenant may use (repeat).")]
Adapters = Annotated[list[str] | None, typer.Option("--adapter", help="LoRA adapter the tenant may use (repeat).")]
DefaultAdapter = Annotated[str | None, typer.Option(help="Adapter applied when the request names the base model.")]
Collection = Annotated[str | None, typer.Option(help="The tenant's RAG collection.")]
RagByDefault = Annotated[
    bool | None,
    typer.Option(
        "--rag-by-default/--no-rag-by-default",
        help='Retrieve from the RAG collection on every chat request unless it says "rag": false.',
    ),
]
Policy = Annotated[str | None, typer.Option(help="Guard policy name (default, medical, legal or a custom one).")]
Tps = Annotated[int | None, typer.Option(help="Requests per second.")]
Rpm = Annotated[int | None, typer.Option(help="Requests per minute.")]
Concurrent = Annotated[int | None, typer.Option(help="Requests in flight at once.")]
DailyTokens = Annotated[int | None, typer.Option(help="Prompt + completion tokens per UTC day.")]
PriceIn = Annotated[str | None, typer.Option(help="Price per 1K input tokens, e.g. 0.0005.")]
PriceOut = Annotated[str | None, typer.Option(help="Price per 1K output tokens, e.g. 0.0015.")]
Currency = Annotated[str | None, typer.Option(help="ISO currency code, e.g. USD or TRY.")]


def _changes(
    name: str | None,
    models: list[str] | None,
    adapters: list[str] | None,
    default_adapter: str | None,
    rag_collection: str | None,
    rag_by_default: bool | None,
    guard_policy: str | None,
    tps: int | None,
    rpm: int | None,
    max_concurrent: int | None,
    daily_tokens: int | None,
    price_input: str | None,
    price_output: str | None,
    currency: str | None,
) -> dict[str, Any]:
    limits = {
        k: v
        for k, v in {"tps": tps, "rpm": rpm, "max_concurrent": max_concurrent, "daily_tokens": daily_tokens}.items()
        if v is not None
    }
    pricing: dict[str, Any] = {}
    if price_input is not None:
        pricing["input_per_1k_micros"] = parse_micros(price_input, field="price_input")
    if price_output is not None:
        pricing["output_per_1k_micros"] = parse_micros(price_output, field="price_output")
    if currency is not None:
        pricing["currency"] = currency
    changes = {
        k: v
        for k, v in {
            "name": name,
            "models": models,
            "adapters": adapters,
            "default_adapter": default_adapter,
            "rag_collection": rag_collection,
            "rag_by_default": rag_by_default,
            "guard_policy": guard_policy,
        }.items()
        if v is not None
    }
    return changes | ({"limits": limits} if limits else {}) | ({"pricing": pricing} if pricing else {})


def tenant_view(tenant: Tenant) -> dict[str, Any]:
    view = tenant.model_dump(mode="json")
    view["pricing"]["input_per_1k"] = format_micros(tenant.pricing.input_per_1k_micros)
    view["pricing"]["output_per_1k"] = format_micros(tenant.pricing.output_per_1k_micros)
    return view


def _render(view: dict[str, Any]) -> str:
    limits, pricing = view["limits"], view["pricing"]
    return "\n".join(
        [
            f"{view['org_id']}  {view['name']}  [{view['status']}]",
            f"  models: {', '.join(view['models']) or '-'}   adapters: {', '.join(view['adapters']) or '-'}"
            f"   default adapter: {view['default_adapter'] or '-'}",
            f"  rag collection: {view['rag_collection'] or '-'}"
            f"{' (every request)' if view['rag_by_default'] else ''}   guard policy: {view['guard_policy']}",
            f"  limits: {limits['tps']} TPS, {limits['rpm']} RPM, {limits['max_concurrent']} concurrent, "
            f"{limits['daily_tokens']:,} tokens/day",
            f"  price per 1K tokens: {pricing['input_per_1k']} in / {pricing['output_per_1k']} out "
            f"{pricing['currency']}",
        ]
    )


@app.command("add")
def add(
    org_id: OrgId,
    name: Name = None,
    model: Models = None,
    adapter: Adapters = None,
    default_adapter: DefaultAdapter = None,
    rag_collection: Collection = None,
    rag_by_default: RagByDefault = None,
    guard_policy: Policy = None,
    tps: Tps = None,
    rpm: Rpm = None,
    max_concurrent: Concurrent = None,
    daily_tokens: DailyTokens = None,
    price_input: PriceIn = None,
    price_output: PriceOut = None,
    currency: Currency = None,
    as_json: JsonFlag = False,
) -> None:
    """Add a tenant."""
    with cli_errors():
        ctx = CliContext.load()
        changes = _changes(
            name or org_id,
            model,
            adapter,
            default_adapter,
            rag_collection,
            rag_by_default,
            guard_policy,
            tps,
            rpm,
            max_concurrent,
            daily_tokens,
            price_input,
            price_output,
            currency,
        )
        changes.setdefault("models", [m.name for m in ctx.settings.models])
        spec = parse_spec(changes)
        ensure_policy_exists(spec.guard_policy, ctx.settings.guard)
        tenant = ctx.tenants.add(org_id, spec)
    emit(tenant_view(tenant), as_json, _render)


@app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """List tenants."""
    with cli_errors():
        views = [tenant_view(t) for t in CliContext.load().tenants.list()]
    emit({"tenants": views}, as_json, lambda d: "\n".join(_render(v) for v in d["tenants"]) or "no tenants")


@app.command("show")
def show(org_id: OrgId, as_json: JsonFlag = False) -> None:
    """Show one tenant."""
    with cli_errors():
        view = tenant_view(CliContext.load().tenants.get(org_id))
    emit(view, as_json, _render)


@app.command("update")
def update(
    org_id: OrgId,
    name: Name = None,
    model: Models = None,
    adapter: Adapters = None,
    default_adapter: DefaultAdapter = None,
    rag_collection: Collection = None,
    rag_by_default: RagByDefault = None,
    guard_policy: Policy = None,
    tps: Tps = None,
    rpm: Rpm = None,
    max_concurrent: Concurrent = None,
    daily_tokens: DailyTokens = None,
    price_input: PriceIn = None,
    price_output: PriceOut = None,
    currency: Currency = None,
    as_json: JsonFlag = False,
) -> None:
    """Change some of a tenant's settings (the others stay)."""
    with cli_errors():
        changes = _changes(
            name,
            model,
            adapter,
            default_adapter,
            rag_collection,
            rag_by_default,
            guard_policy,
            tps,
            rpm,
            max_concurrent,
            daily_tokens,
            price_input,
            price_output,
            currency,
        )
        ctx = CliContext.load()
        if guard_policy is not None:
            ensure_policy_exists(guard_policy, ctx.settings.guard)
        tenant = ctx.tenants.update(org_id, changes)
    emit(tenant_view(tenant), as_json, _render)


@app.command("disable")
def disable(org_id: OrgId, as_json: JsonFlag = False) -> None:
    """Disable a tenant: its keys stop working (within seconds on other replicas)."""
    with cli_errors():
        tenant = CliContext.load().tenants.set_status(org_id, "disabled")
    emit(tenant_view(tenant), as_json, _render)


@app.command("enable")
def enable(org_id: OrgId, as_json: JsonFlag = False) -> None:
    """Enable a disabled tenant again."""
    with cli_errors():
        tenant = CliContext.load().tenants.set_status(org_id, "active")
    emit(tenant_view(tenant), as_json, _render)
