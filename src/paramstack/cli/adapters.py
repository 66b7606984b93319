"""``paramstack adapters``: the adapter registry (versions, and which version tenants get)."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from paramstack.cli.output import cli_errors, emit

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
REPORT_KEYS = ("workflow", "pairs", "train_pairs", "steps", "heldout", "train_loss_end", "dataset_sha256")

app = typer.Typer(no_args_is_help=True, help="Register adapter versions and choose the one tenants get.")


@app.command("register")
def register(
    name: Annotated[str, typer.Argument(help="Adapter name tenants refer to (e.g. medical-lora).")],
    path: Annotated[Path, typer.Option(help="PEFT adapter directory.")],
    base_model: Annotated[str, typer.Option(help="Configured model name (or model directory) it was trained on.")],
    version: Annotated[str | None, typer.Option(help="Version label (default v1, v2, ...; no dots).")] = None,
    stable: Annotated[
        bool, typer.Option("--stable", help="Serve this version to tenants now (the first version always is).")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Check the adapter fits the base, record its manifest digest, and add it as a new version."""
    from paramstack.cli.context import CliContext
    from paramstack.registry import AdapterRegistry

    with cli_errors():
        ctx = CliContext.load()
        adapter_dir = path.resolve()
        notes = _check_fits(adapter_dir, base_model, ctx.settings)
        digest, manifest_note = _manifest(adapter_dir, ctx.settings)
        notes += [manifest_note] if manifest_note else []
        record = AdapterRegistry(ctx.database).register(
            name,
            str(adapter_dir),
            base_model,
            version=version,
            manifest_sha256=digest,
            details={**_training_details(adapter_dir), "notes": notes},
            created_by=_who(),
            make_stable=stable,
        )
        channels = AdapterRegistry(ctx.database).channels(name)
    emit(
        {**record.to_dict(), "channels": channels},
        as_json,
        lambda r: (
            f"registered {r['engine_name']} on {r['base_model']} ({r['path']})"
            + (f"; stable -> {r['channels'].get('stable')}")
            + "".join(f"\n  note: {n}" for n in notes)
        ),
    )


@app.command("list")
def list_adapters(as_json: JsonFlag = False) -> None:
    """Every registered adapter with its version count and channels."""
    from paramstack.cli.context import CliContext
    from paramstack.registry import AdapterRegistry

    with cli_errors():
        rows = [s.to_dict() for s in AdapterRegistry(CliContext.load().database).list()]
    emit({"object": "list", "data": rows}, as_json, _render_list)


@app.command("show")
def show(name: Annotated[str, typer.Argument(help="Adapter name.")], as_json: JsonFlag = False) -> None:
    """All versions of one adapter, oldest first, and where each channel points."""
    from paramstack.cli.context import CliContext
    from paramstack.registry import AdapterRegistry

    with cli_errors():
        registry = AdapterRegistry(CliContext.load().database)
        result = {
            "name": name,
            "channels": registry.channels(name),
            "versions": [v.to_dict() for v in registry.versions(name)],
        }
    emit(result, as_json, _render_show)


@app.command("promote")
def promote(
    name: Annotated[str, typer.Argument(help="Adapter name.")],
    version: Annotated[str, typer.Argument(help="Version to point the channel at.")],
    channel: Annotated[str, typer.Option(help="Channel to move.")] = "stable",
    as_json: JsonFlag = False,
) -> None:
    """Point a channel (default: stable, what tenants get) at a version; also how to roll back by hand."""
    from paramstack.cli.context import CliContext
    from paramstack.registry import AdapterRegistry

    with cli_errors():
        registry = AdapterRegistry(CliContext.load().database)
        record = registry.set_channel(name, channel, version)
    emit(
        {"name": name, "channel": channel, "version": record.version, "engine_name": record.engine_name},
        as_json,
        lambda r: f"{r['name']} {r['channel']} -> {r['version']} ({r['engine_name']})",
    )


def _check_fits(adapter_dir: Path, base_model: str, settings: Any) -> list[str]:
    """Refuse an adapter that does not fit its base; returns notes for what could not be checked."""
    from paramstack.errors import InvalidRequest
    from paramstack.registry import check_fits
    from paramstack.registry.compat import read_adapter_config

    config = read_adapter_config(adapter_dir)
    configured = settings.model(base_model)
    if configured is not None and configured.backend != "local":
        return [f"base {base_model} is served by {configured.backend}: shapes not checked here"]
    model_dir = configured.path if configured is not None else Path(base_model)
    if configured is None and not (model_dir / "config.json").is_file():
        raise InvalidRequest(
            f"--base-model {base_model!r} is neither a configured model nor a model directory", param="base_model"
        )
    if not (model_dir / "config.json").is_file():
        return [f"model directory {model_dir} is not installed here: shapes not checked"]
    check_fits(adapter_dir, model_dir)
    recorded = config.get("base_model_name_or_path")
    if recorded and Path(str(recorded)).name not in (base_model, model_dir.name):
        return [f"adapter_config.json names base {recorded!r}; shapes fit {base_model}"]
    return []


def _manifest(adapter_dir: Path, settings: Any) -> tuple[str | None, str | None]:
    """The adapter's manifest digest, verified against the local key ring when there is one."""
    from paramstack.errors import ArtifactError

    try:
        from paramstack.attest import SigningKeyStore, manifest_digest, verify_manifest
        from paramstack.attest.settings import attest_settings_of
    except ImportError:
        return None, "attest room not installed: no manifest recorded"
    digest = manifest_digest(adapter_dir)
    if digest is None:
        return None, "the adapter has no signed manifest"
    keyring = SigningKeyStore(attest_settings_of(settings).resolved_keys_dir(settings.home)).load().without_signer()
    if not len(keyring):
        return digest, "no local public keys: manifest recorded unverified"
    verdict = verify_manifest(adapter_dir, keyring)
    if not verdict:
        raise ArtifactError(f"adapter {adapter_dir} fails its manifest: {verdict.message}")
    return digest, None


def _training_details(adapter_dir: Path) -> dict[str, Any]:
    report = adapter_dir / "training_report.json"
    if not report.is_file():
        return {}
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except ValueError:
        return {}
    return {k: data[k] for k in REPORT_KEYS if k in data}


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def _render_list(result: dict[str, Any]) -> str:
    rows = result["data"]
    if not rows:
        return "no adapters registered (paramstack adapters register NAME --path DIR --base-model M)"
    lines = [f"{'NAME':<24} {'BASE':<20} {'VERSIONS':>8}  {'LATEST':<10} CHANNELS"]
    for row in rows:
        channels = ", ".join(f"{c}={v}" for c, v in sorted(row["channels"].items()))
        lines.append(f"{row['name']:<24} {row['base_model']:<20} {row['versions']:>8}  {row['latest']:<10} {channels}")
    return "\n".join(lines)


def _render_show(result: dict[str, Any]) -> str:
    pointers: dict[str, list[str]] = {}
    for channel, version in result["channels"].items():
        pointers.setdefault(version, []).append(channel)
    lines = [f"{result['name']}"]
    for v in result["versions"]:
        marks = f" <- {', '.join(sorted(pointers[v['version']]))}" if v["version"] in pointers else ""
        digest = f"manifest {v['manifest_sha256'][:16]}..." if v["manifest_sha256"] else "unsigned"
        lines.append(f"  {v['version']:<10} {v['created_at'][:19]}  {digest}  {v['path']}{marks}")
    return "\n".join(lines)
