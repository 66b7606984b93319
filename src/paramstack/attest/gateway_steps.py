"""The attest room's steps in the request path: sign every completion, append every request to the audit chain."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from paramstack.attest.audit import AuditEntry, AuditLog, AuditReceipt, first_line
from paramstack.attest.errors import AuditLogUnavailable
from paramstack.attest.keys import KeyRing
from paramstack.attest.manifest import manifest_digest
from paramstack.attest.response import SignedAttestation, sign_output
from paramstack.engine.protocol import ToolCall
from paramstack.storage.writer import DatabaseWriter

if TYPE_CHECKING:
    from paramstack.calls import AuditRecord, CallInfo, UsageCounts


@dataclass
class ManifestDigests:
    """Digest of the signed manifest of a model or adapter directory, read once per directory."""

    _cache: dict[Path, str | None] = field(default_factory=dict)

    def of(self, directory: Path | None) -> str | None:
        if directory is None:
            return None
        if directory not in self._cache:
            self._cache[directory] = manifest_digest(directory) if directory.is_dir() else None
        return self._cache[directory]


@dataclass
class ResponseSigner:
    """Signs the exact text a client received, binding model, adapter (and its manifest), request and usage."""

    keys: Callable[[], KeyRing]
    artifact_dirs: Callable[[str, str | None], tuple[Path | None, Path | None]]  # (model, adapter) -> dirs
    digests: ManifestDigests = field(default_factory=ManifestDigests)

    def sign(
        self, call: CallInfo, output_text: str, usage: UsageCounts, tool_calls: Sequence[ToolCall] = ()
    ) -> SignedAttestation:
        model_dir, adapter_dir = self.artifact_dirs(call.model, call.adapter)
        sampling = call.sampling
        return sign_output(
            call.public_model,
            output_text,
            key=self.keys(),
            org_id=call.org_id,
            request_id=call.request_id,
            adapter_id=call.adapter,
            adapter_manifest_sha256=self.digests.of(adapter_dir),
            model_manifest_sha256=self.digests.of(model_dir),
            request_sha256=call.request_digest,
            sampling={
                "max_tokens": sampling.max_tokens,
                "temperature": sampling.temperature,
                "top_p": sampling.top_p,
                "stop": list(sampling.stop),
                "seed": sampling.seed,
            },
            usage={
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "total_tokens": usage.total_tokens,
            },
            tool_calls=[{"id": c.id, "name": c.name, "arguments": c.arguments} for c in tool_calls] or None,
        )


class AuditRecorder:
    """Appends every request to the audit chain through the request path's group commit: concurrent requests
    (and their usage ledger rows) share one transaction.

    ``record`` returns only once its entry is committed, so a response is never reported done before its
    audit row exists. After a COMMIT that went unanswered, the writer asks ``landed`` before it appends again.
    """

    def __init__(self, log: AuditLog, writer: DatabaseWriter | None = None) -> None:
        self._log = log
        self._writer = writer or DatabaseWriter(log.engine, name="audit-log")

    async def record(self, record: AuditRecord) -> None:
        try:
            await self._writer.write(self, audit_entry(record))
        except sa.exc.SQLAlchemyError as error:
            raise AuditLogUnavailable(f"audit log unavailable: {first_line(error)}") from None

    def write_batch(self, connection: Connection, entries: list[AuditEntry]) -> AuditReceipt:
        return self._log.append_in(connection, entries)[-1]

    def landed(self, connection: Connection, last: AuditReceipt) -> bool:
        return self._log.holds(connection, last)


def audit_entry(record: AuditRecord) -> AuditEntry:
    call = record.call
    guard = Counter(f"{f.check}.{f.type}"[:64] for f in record.findings)
    return AuditEntry(
        request_id=call.request_id,
        org_id=call.org_id,
        model=_storable(call.public_model),
        status=record.outcome.kind.value,
        http_status=record.outcome.http_status,
        code=record.outcome.code,
        api_key_id=call.caller.key.key_id,
        adapter=_storable(call.adapter) if call.adapter is not None else None,
        prompt_tokens=record.usage.prompt_tokens,
        completion_tokens=record.usage.completion_tokens,
        cost_micros=record.cost_micros,
        latency_ms=round(record.latency_ms),
        guard=dict(guard),
        attestation_sha256=record.attestation_digest,
        tools=tuple(_storable(name[:64]) for name in record.tool_names[:128]),
    )


def _storable(text: str) -> str:
    """A caller-chosen name as every audit store can hold it: PostgreSQL text cannot contain NUL, so a refused
    request naming the model "\\x00" is recorded with U+FFFD there (and, for one chain everywhere, on SQLite too)."""
    return text.replace("\x00", "\ufffd") if "\x00" in text else text
