"""``paramstack deploy vllm|kserve|validate``: launch vLLM, write KServe manifests, check manifests offline."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from paramstack.cli.output import cli_errors, emit, fail
from paramstack.deploy.config_file import DeployConfig, load_deploy_config
from paramstack.settings import default_home

app = typer.Typer(no_args_is_help=True)

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Deploy config YAML (default: $PARAMSTACK_HOME/deploy.yaml if it exists)."),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def _config(path: Path | None) -> DeployConfig:
    if path is None:
        candidate = default_home() / "deploy.yaml"
        path = candidate if candidate.is_file() else None
    return load_deploy_config(path)


@app.command("vllm")
def vllm(
    config: ConfigOption = None,
    print_: Annotated[bool, typer.Option("--print", help="Print the command line (the default).")] = False,
    script: Annotated[bool, typer.Option("--script", help="Print a bash launch script instead.")] = False,
    exec_: Annotated[bool, typer.Option("--exec", help="Replace this process with vLLM.")] = False,
    adapters_of: Annotated[
        str | None,
        typer.Option(
            "--adapters-of",
            help="Add every registered version of the adapters tenants use on this configured model as --lora-modules.",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """The `vllm serve` command for the base model with multi-LoRA, speculative decoding and FP8 KV cache."""
    from paramstack.deploy.vllm_command import build_launch

    if exec_ and (print_ or script or as_json):
        fail("--exec cannot be combined with --print, --script or --json")
    with cli_errors():
        settings = _config(config).vllm
        if adapters_of is not None:
            settings = _with_registry_adapters(settings, adapters_of)
        plan = build_launch(settings)
    for warning in plan.warnings:
        sys.stderr.write(f"warning: {warning}\n")
    if exec_:
        executable = shutil.which(plan.argv[0])
        if executable is None:
            fail("vllm is not installed on this machine (pip install vllm on the GPU host), or use --print")
        sys.stdout.flush()
        os.execve(executable, plan.argv, {**os.environ, **plan.env})
    if as_json:
        emit(plan.as_dict(), True)
    elif script:
        typer.echo(plan.shell(), nl=False)
    else:
        env = " ".join(f"{k}={v}" for k, v in sorted(plan.env.items()))
        typer.echo(f"{env} {plan.as_dict()['command']}".strip())


def _with_registry_adapters(settings: Any, model_name: str) -> Any:
    from paramstack.cli.context import CliContext
    from paramstack.deploy.adapter_modules import merge_modules, registry_modules
    from paramstack.errors import NotFound
    from paramstack.registry import AdapterRegistry

    ctx = CliContext.load()
    model = ctx.settings.model(model_name)
    if model is None:
        raise NotFound(f"no configured model {model_name!r} (see `models:` in paramstack.yaml)", param="model")
    modules = registry_modules(AdapterRegistry(ctx.database), model, ctx.tenants.list())
    lora = settings.lora.model_copy(update={"modules": merge_modules(settings.lora.modules, modules)})
    return settings.model_copy(update={"lora": lora})


@app.command("kserve")
def kserve(
    config: ConfigOption = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write one file per object here.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """InferenceService (huggingface runtime, vLLM backend) + the gateway's objects, validated against the CRD."""
    from paramstack.deploy.crd_validation import InferenceServiceSchema
    from paramstack.deploy.manifests import build_manifests

    with cli_errors():
        manifests = build_manifests(_config(config), InferenceServiceSchema())
    for warning in manifests.warnings:
        sys.stderr.write(f"warning: {warning}\n")
    if output is None:
        if as_json:
            emit({"objects": manifests.objects, "warnings": manifests.warnings}, True)
        else:
            typer.echo(yaml.safe_dump_all(manifests.objects, sort_keys=False), nl=False)
        return
    written = manifests.write(output)
    emit(
        {"written": [str(p) for p in written], "warnings": manifests.warnings},
        as_json,
        lambda data: "\n".join(f"wrote {p}" for p in data["written"]),
    )


@app.command("validate")
def validate(
    files: Annotated[list[Path], typer.Argument(help="Manifest files (multi-document YAML is fine).")],
    as_json: JsonFlag = False,
) -> None:
    """Check InferenceService manifests against KServe's CRD schema offline (other kinds are skipped)."""
    from paramstack.deploy.crd_validation import InferenceServiceSchema

    schema = InferenceServiceSchema()
    results: list[dict[str, Any]] = []
    with cli_errors():
        for path in files:
            for index, document in enumerate(yaml.safe_load_all(path.read_text(encoding="utf-8"))):
                if not isinstance(document, dict) or document.get("kind") != "InferenceService":
                    continue
                problems = [str(p) for p in schema.problems(document)]
                results.append({"file": str(path), "document": index, "ok": not problems, "problems": problems})
    emit({"results": results}, as_json, _render_validation)
    if any(not r["ok"] for r in results):
        raise typer.Exit(1)


def _render_validation(data: dict[str, Any]) -> str:
    lines = []
    for result in data["results"]:
        where = f"{result['file']}#{result['document']}"
        lines.append(f"ok      {where}" if result["ok"] else f"invalid {where}")
        lines += [f"  {problem}" for problem in result["problems"]]
    return "\n".join(lines) or "no InferenceService found"
