"""``paramstack rag ingest|search|list|delete``: a tenant's RAG collections from the command line.

The CLI writes to the same database as the gateway; a running gateway sees the changes on its next
search (the collection's generation tells it to sync).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from paramstack.cli.context import CliContext
from paramstack.cli.output import cli_errors, emit, fail
from paramstack.errors import ParamstackError
from paramstack.rag.builder import build_rag
from paramstack.rag.models import SEARCH_MODES
from paramstack.rag.parsing.detect import EXTENSIONS
from paramstack.rag.service import RagService

app = typer.Typer(no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
Tenant = Annotated[str, typer.Option("--tenant", help="Tenant id, e.g. org_medical.")]
CollectionOpt = Annotated[str | None, typer.Option("--collection", help="Collection (default: the tenant's).")]


def _service(tenant: str, collection: str | None) -> tuple[RagService, str]:
    """The service and the collection to use; the tenant must exist (a typo is an error, not a new tenant)."""
    ctx = CliContext.load()
    found = ctx.tenants.get(tenant)
    name = collection or found.rag_collection
    if not name:
        fail(f"tenant {tenant!r} has no rag collection; pass --collection")
    return build_rag(ctx.settings, ctx.database), name


def _files(paths: list[Path]) -> Iterator[tuple[Path, str]]:
    """(file, document id): a file is its own name; files under a directory are named by relative path."""
    for path in paths:
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in EXTENSIONS):
                yield file, file.relative_to(path).as_posix()
        else:
            yield path, path.name


@app.command("ingest")
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories (.txt .md .html .pdf).")],
    tenant: Tenant,
    collection: CollectionOpt = None,
    document_id: Annotated[str | None, typer.Option("--id", help="Document id (one file only).")] = None,
    format_: Annotated[str | None, typer.Option("--format", help="text, markdown, html or pdf.")] = None,
    scrub_pii: Annotated[
        bool | None, typer.Option("--scrub-pii/--no-scrub-pii", help="Mask PII first (default: rag.scrub_pii).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Add or replace documents; an unchanged document is skipped, a changed one replaces its chunks."""
    with cli_errors():
        rag, name = _service(tenant, collection)
        files = list(_files(paths))
        if not files:
            fail("no supported files found (.txt .md .html .pdf)")
        if document_id and len(files) > 1:
            fail("--id names one document; give one file")
        results: list[dict[str, Any]] = []
        try:
            for file, doc_id in files:
                try:
                    result = rag.ingest(
                        tenant,
                        name,
                        document_id or doc_id,
                        file.read_bytes(),
                        filename=file.name,
                        media_type=format_,
                        scrub_pii=scrub_pii,
                    )
                except ParamstackError as error:
                    done = f" ({len(results)} document(s) before it were ingested)" if results else ""
                    fail(f"{file}: {error.message}{done}")
                results.append(result.to_dict())
        finally:
            rag.close()
    emit(
        {"collection": name, "documents": results},
        as_json,
        lambda d: "\n".join(
            f"{r['status']:<9} {r['document']}  ({r['chunks']} chunks, {r['format']}"
            + (f", {len(r['injection_flagged_chunks'])} flagged as injection" if r["injection_flagged_chunks"] else "")
            + ")"
            for r in d["documents"]
        ),
    )


@app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    tenant: Tenant,
    collection: CollectionOpt = None,
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=100, help="Hits to return.")] = 5,
    mode: Annotated[str, typer.Option(help="hybrid, vector or keyword.")] = "hybrid",
    as_json: JsonFlag = False,
) -> None:
    """Search a collection (hybrid: vector + keyword, fused by rank)."""
    if mode not in SEARCH_MODES:
        fail(f"--mode must be hybrid, vector or keyword, not {mode!r}")
    with cli_errors():
        rag, name = _service(tenant, collection)
        try:
            hits = rag.search(tenant, name, query, top_k=top_k, mode=mode)
        finally:
            rag.close()
    data = {
        "hits": [{"document": h.document, "chunk": h.chunk, "score": round(h.score, 6), "text": h.text} for h in hits]
    }
    emit(
        data,
        as_json,
        lambda d: (
            "\n\n".join(f"{h['score']:.3f}  {h['document']} #{h['chunk']}\n  {h['text'][:300]}" for h in d["hits"])
            or "no hits"
        ),
    )


@app.command("list")
def list_(tenant: Tenant, collection: CollectionOpt = None, as_json: JsonFlag = False) -> None:
    """The tenant's collections, or the documents of one collection with --collection."""
    with cli_errors():
        ctx = CliContext.load()
        ctx.tenants.get(tenant)
        rag = build_rag(ctx.settings, ctx.database)
        try:
            if collection is None:
                data: dict[str, Any] = {"collections": [c.to_dict() for c in rag.list_collections(tenant)]}
            else:
                data = {
                    "collection": collection,
                    "documents": [d.to_dict() for d in rag.list_documents(tenant, collection)],
                }
        finally:
            rag.close()
    emit(data, as_json, _render_list)


@app.command("delete")
def delete(
    tenant: Tenant,
    collection: Annotated[str, typer.Option("--collection", help="Collection.")],
    document: Annotated[str | None, typer.Option("--document", help="Delete this document.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Delete the whole collection.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Delete one document (--document ID) or the whole collection (--all)."""
    if (document is None) == (not all_):
        fail("give --document ID to delete a document, or --all to delete the collection")
    with cli_errors():
        ctx = CliContext.load()
        ctx.tenants.get(tenant)
        rag = build_rag(ctx.settings, ctx.database)
        try:
            if document is not None:
                rag.delete_document(tenant, collection, document)
            else:
                rag.delete_collection(tenant, collection)
        finally:
            rag.close()
    emit(
        {"collection": collection, "document": document, "deleted": True},
        as_json,
        lambda d: f"deleted {'document ' + d['document'] if d['document'] else 'collection'} ({d['collection']})",
    )


def _render_list(data: dict[str, Any]) -> str:
    if "collections" in data:
        return (
            "\n".join(
                f"{c['id']:<24} {c['documents']:>5} documents {c['chunks']:>7} chunks  {c['embedding_model']}"
                for c in data["collections"]
            )
            or "no collections"
        )
    return (
        "\n".join(
            f"{d['id']:<40} {d['chunks']:>5} chunks  {d['format']:<8} {d['bytes']:>9} bytes" for d in data["documents"]
        )
        or "no documents"
    )
