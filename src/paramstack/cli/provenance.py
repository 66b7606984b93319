"""``paramstack provenance``: sign an artifact, verify one, and trace a response to its data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from paramstack.attest.canonical import EncodingProblem
from paramstack.attest.manifest import KINDS, read_manifest, timestamp_manifest, verify_manifest, write_manifest
from paramstack.attest.provenance import ManifestRegistry, lineage, render_lineage
from paramstack.attest.verdict import Problem, Verdict
from paramstack.attest.wire import read_response, verify_response
from paramstack.cli.attest import (
    INVALID_EXIT_CODE,
    JsonFlag,
    KeysDir,
    KeysUrl,
    PublicKeyOpt,
    TsaCert,
    TsaUrl,
    finish,
    key_store,
    timestamp_authority,
    tsa_roots,
    verification_keys,
)
from paramstack.cli.output import cli_errors, emit, fail

app = typer.Typer(no_args_is_help=True, help="Signed manifests: the chain of custody of every artifact.")

Search = Annotated[
    list[Path] | None,
    typer.Option("--search", help="Directories to look for manifests in (repeatable; default: $PARAMSTACK_HOME)."),
]


@app.command("sign")
def sign(
    directory: Path,
    kind: Annotated[str, typer.Option(help=f"One of: {', '.join(KINDS)}.")],
    parent: Annotated[
        list[str] | None, typer.Option("--parent", help="A parent artifact directory or manifest digest (repeatable).")
    ] = None,
    config: Annotated[str | None, typer.Option(help="The config that produced it: JSON text or a .json file.")] = None,
    name: Annotated[str | None, typer.Option(help="Artifact name (default: the directory name).")] = None,
    keys_dir: KeysDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Write DIR/paramstack.manifest.json for an artifact made or registered outside paramstack."""
    with cli_errors():
        keyring = key_store(keys_dir).load()
        manifest = write_manifest(
            directory, kind, keyring=keyring, parents=parent or [], config=_config(config), name=name
        )
    emit(
        manifest.summary(),
        as_json,
        lambda r: f"signed {r['kind']} {r['name']}: {r['files']} files, manifest sha256:{r['digest']}",
    )


@app.command("verify")
def verify(
    directory: Path,
    recursive: Annotated[bool, typer.Option(help="Also verify every ancestor found.")] = False,
    search: Search = None,
    keys_dir: KeysDir = None,
    tsa_cert: TsaCert = None,
    as_json: JsonFlag = False,
) -> None:
    """Re-hash DIR and check its manifest: valid (exit 0) or the changed/missing/extra file (exit 1)."""
    with cli_errors():
        keyring = key_store(keys_dir).load().without_signer()
        roots = tsa_roots(tsa_cert)
    if not recursive:
        finish(verify_manifest(directory, keyring, roots), as_json, _render_manifest_verdict)
        return
    with cli_errors():
        root = read_manifest(directory)
        registry = ManifestRegistry(_search_dirs(search, [directory.parent]))
    tree = lineage(root.digest, registry, keyring)
    _finish_tree(tree.to_dict(), tree.ok, render_lineage(tree), as_json)


@app.command("timestamp")
def timestamp(directory: Path, tsa_url: TsaUrl = None, as_json: JsonFlag = False) -> None:
    """Get an RFC 3161 timestamp over DIR's manifest signature (kept beside it)."""
    with cli_errors():
        path = timestamp_manifest(directory, timestamp_authority(tsa_url))
    emit({"token": str(path)}, as_json, lambda r: f"timestamp written to {r['token']}")


@app.command("show")
def show(
    source: Annotated[Path, typer.Argument(help="A saved response (JSON or SSE) or an artifact dir.")],
    search: Search = None,
    no_verify: Annotated[bool, typer.Option("--no-verify", help="Do not re-hash artifact files.")] = False,
    public_key: PublicKeyOpt = None,
    keys_url: KeysUrl = None,
    keys_dir: KeysDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Walk from a response's attestation (or an artifact) to the data behind it, verifying each step."""
    with cli_errors():
        keyring = verification_keys(public_key, keys_url, keys_dir)
        registry = ManifestRegistry(_search_dirs(search, []))
        response_verdict: Verdict | None
        start: str | None
        if source.is_dir():
            response_verdict, start = None, read_manifest(source).digest
        else:
            response_verdict, start = _response_start(source.read_bytes(), keyring)
    result: dict[str, Any] = {"response": None if response_verdict is None else response_verdict.to_dict()}
    lines = [] if response_verdict is None else [_render_response_line(response_verdict)]
    ok = response_verdict is None or response_verdict.valid
    if start is None:
        result["lineage"] = None
        lines.append("the attestation records no model or adapter manifest: nothing to trace")
        ok = False
    else:
        tree = lineage(start, registry, keyring, verify=not no_verify)
        result["lineage"] = tree.to_dict()
        lines += render_lineage(tree)
        ok = ok and tree.ok
    _finish_tree(result, ok, lines, as_json)


def _response_start(document: bytes, keyring: Any) -> tuple[Verdict, str | None]:
    verdict = verify_response(document, keyring)
    try:
        response = read_response(document)
        payload = response.attestation if isinstance(response.attestation, dict) else {}
    except EncodingProblem:
        payload = {}
    if verdict.problem is Problem.MALFORMED:
        return verdict, None
    start = payload.get("adapter_manifest_sha256") or payload.get("model_manifest_sha256")
    return verdict, start if isinstance(start, str) else None


def _finish_tree(result: dict[str, Any], ok: bool, lines: list[str], as_json: bool) -> None:
    result["valid"] = ok
    emit(
        result,
        as_json,
        lambda _: "\n".join(
            [*lines, "VALID: every step verified" if ok else "INVALID: see the marked steps (✗ failed, ? not found)"]
        ),
    )
    if not ok:
        raise typer.Exit(INVALID_EXIT_CODE)


def _render_response_line(verdict: Verdict) -> str:
    payload = verdict.details.get("attestation") or {}
    state = "✓ response attestation valid" if verdict else f"✗ response attestation: {verdict.message}"
    adapter = payload.get("adapter_id")
    return f"{state} (model {payload.get('model_id')}{', adapter ' + adapter if adapter else ''})"


def _render_manifest_verdict(result: dict[str, Any]) -> str:
    manifest = result.get("manifest") or {}
    head = f"{manifest.get('kind', 'artifact')} {manifest.get('name', '')} sha256:{manifest.get('digest', '?')}"
    if result["valid"]:
        return f"VALID: {head} ({manifest.get('files')} files match)"
    return "\n".join([f"INVALID: {head}"] + [f"  {f['problem']}: {f['message']}" for f in result["findings"]])


def _search_dirs(search: list[Path] | None, extra: list[Path]) -> list[Path]:
    if search:
        return search
    from paramstack.settings import load_settings

    return [load_settings().home, *extra]


def _config(text: str | None) -> dict[str, Any]:
    if text is None:
        return {}
    path = Path(text)
    raw = path.read_text(encoding="utf-8") if path.is_file() else text
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        fail(f"--config: not JSON ({error.msg})")
    if not isinstance(value, dict):
        fail("--config: must be a JSON object")
    return value
