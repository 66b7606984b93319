"""``paramstack audit``: verify the hash chain, export entries as JSON lines, force a checkpoint."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
import typer

from paramstack.attest.audit import AuditLog
from paramstack.attest.audit_verify import verify_audit_chain
from paramstack.cli.attest import (
    JsonFlag,
    KeysDir,
    TsaCert,
    TsaUrl,
    finish,
    key_store,
    timestamp_authority,
    tsa_roots,
)
from paramstack.cli.output import cli_errors, emit, fail

app = typer.Typer(no_args_is_help=True, help="The tamper-evident audit log.")

DatabaseUrl = Annotated[str | None, typer.Option("--database-url", help="Default: the settings' database.")]


def _engine(database_url: str | None) -> sa.engine.Engine:
    """The database, without running migrations: verification must look at what is there, as is."""
    from paramstack.settings import load_settings
    from paramstack.storage.database import create_db_engine

    return create_db_engine(database_url or load_settings().resolved_database_url)


@app.command("verify")
def verify(
    database_url: DatabaseUrl = None,
    keys_dir: KeysDir = None,
    max_findings: Annotated[int, typer.Option(min=1, help="Report at most N findings.")] = 100,
    tsa_cert: TsaCert = None,
    as_json: JsonFlag = False,
) -> None:
    """Re-hash the whole chain; name every modified, deleted, inserted or reordered entry (exit 1)."""
    with cli_errors():
        engine = _engine(database_url)
        keyring = key_store(keys_dir).load().without_signer()
        roots = tsa_roots(tsa_cert)
    verdict = verify_audit_chain(engine, keyring if len(keyring) else None, max_findings=max_findings, tsa_roots=roots)
    finish(verdict, as_json, _render_verdict)


@app.command("export")
def export(
    since: Annotated[str | None, typer.Option(help="From this date/time (ISO 8601, UTC if no zone).")] = None,
    until: Annotated[str | None, typer.Option(help="Before this date/time.")] = None,
    tenant: Annotated[str | None, typer.Option(help="Only this org_id.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File (default: stdout).")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Entries as JSON lines, hashes included (no prompt or output text is ever stored)."""
    with cli_errors():
        log = AuditLog(_engine(database_url))
        rows = log.export(since=_moment(since, "--since"), until=_moment(until, "--until"), org_id=tenant)
        handle = output.open("w", encoding="utf-8") if output else sys.stdout
        try:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
        except sa.exc.DBAPIError as error:
            fail(f"cannot read the audit log: {str(error.orig or error).splitlines()[0]}")
        finally:
            if output:
                handle.close()


@app.command("checkpoint")
def checkpoint(database_url: DatabaseUrl = None, keys_dir: KeysDir = None, as_json: JsonFlag = False) -> None:
    """Sign the current chain head now (the gateway also does it every N entries / T seconds)."""
    with cli_errors():
        log = AuditLog(_engine(database_url), key_store(keys_dir).load())
        try:
            made = log.checkpoint()
        except sa.exc.DBAPIError as error:
            fail(f"cannot write the audit log: {str(error.orig or error).splitlines()[0]}")
    result: dict[str, Any] = made.to_dict() if made else {"checkpoint": None}
    emit(
        result,
        as_json,
        lambda r: (
            f"checkpoint {r['id']}: seq {r['seq']} hash {r['entry_hash'][:16]}..."
            if r.get("id")
            else "the audit log is empty: nothing to checkpoint"
        ),
    )


@app.command("timestamp")
def timestamp(database_url: DatabaseUrl = None, tsa_url: TsaUrl = None, as_json: JsonFlag = False) -> None:
    """Get an RFC 3161 timestamp for every checkpoint that has none."""
    with cli_errors():
        log = AuditLog(_engine(database_url))
        try:
            stamped = log.timestamp_checkpoints(timestamp_authority(tsa_url))
        except sa.exc.DBAPIError as error:
            fail(f"cannot use the audit log: {str(error.orig or error).splitlines()[0]}")
    emit({"stamped": stamped}, as_json, lambda r: f"timestamped {len(r['stamped'])} checkpoint(s)")


def _moment(text: str | None, flag: str) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        fail(f"{flag}: {text!r} is not an ISO 8601 date or date-time")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _render_verdict(result: dict[str, Any]) -> str:
    summary = (
        f"{result.get('entries', 0)} entries, {result.get('checkpoints', 0)} checkpoints, {result.get('seconds', 0)} s"
    )
    if result["valid"]:
        return f"VALID: audit chain intact ({summary})"
    lines = [f"INVALID: {result.get('findings_total', len(result['findings']))} problem(s) ({summary})"]
    lines += [f"  {f['problem']} at {f['where']}: {f['message']}" for f in result["findings"]]
    return "\n".join(lines)
