"""What is deployed, for operators: adapter versions with their channels, manifest verification and provenance
chain, and every tenant's RAG collections with document and chunk counts. Admins only."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from paramstack.attest.keystore import SigningKeyStore
from paramstack.attest.manifest import verify_manifest
from paramstack.attest.provenance import ManifestRegistry, lineage
from paramstack.gateway import console_access
from paramstack.gateway.services import Services, services
from paramstack.registry import AdapterRegistry

router = APIRouter(prefix="/admin", tags=["admin: catalog"])
Svc = Annotated[Services, Depends(services)]


@router.get("/adapters")
def list_adapters(request: Request, svc: Svc) -> dict[str, Any]:
    """Every registered adapter: its versions (newest first), which channel points where, and whether each
    version's signed manifest verifies against this gateway's keys (every file re-hashed)."""
    console_access.admin(request, svc)
    registry = AdapterRegistry(svc.database)
    keyring = _keyring(svc)
    data = []
    for summary in registry.list():
        pointed = {version: channel for channel, version in summary.channels.items()}
        versions = []
        for version in reversed(registry.versions(summary.name)):
            verdict = verify_manifest(version.path, keyring)
            versions.append(
                {
                    **version.to_dict(),
                    "channel": pointed.get(version.version),
                    "manifest": {
                        "valid": verdict.valid,
                        "problem": verdict.problem.value if verdict.problem else None,
                        "message": verdict.message,
                    },
                }
            )
        data.append({**summary.to_dict(), "versions_detail": versions})
    return {"object": "list", "data": data}


@router.get("/adapters/{name}/{version}/provenance")
def provenance(name: str, version: str, request: Request, svc: Svc) -> dict[str, Any]:
    """The chain of custody of one version: adapter -> preference data -> base -> tokenizer -> corpus, each
    manifest found under the data dir (and beside the adapter) and verified."""
    console_access.admin(request, svc)
    record = AdapterRegistry(svc.database).get(name, version)
    if not record.manifest_sha256:
        return {
            "object": "provenance",
            "name": name,
            "version": version,
            "lineage": None,
            "message": "this version was registered without a signed manifest",
        }
    search = [svc.settings.home, Path(record.path).parent]
    tree = lineage(record.manifest_sha256, ManifestRegistry(search), _keyring(svc), kind="adapter", name=name)
    return {"object": "provenance", "name": name, "version": version, "ok": tree.ok, "lineage": tree.to_dict()}


@router.get("/rag/collections")
def rag_collections(request: Request, svc: Svc) -> dict[str, Any]:
    """Every tenant's collections with document and chunk counts (empty when RAG is disabled)."""
    console_access.admin(request, svc)
    if svc.rag is None:
        return {"object": "list", "enabled": False, "data": []}
    data = [
        {"org_id": tenant.org_id, **info.to_dict()}
        for tenant in svc.tenants.list()
        for info in svc.rag.list_collections(tenant.org_id)
    ]
    return {"object": "list", "enabled": True, "data": data}


def _keyring(svc: Services) -> Any:
    return SigningKeyStore(svc.settings.attest.resolved_keys_dir(svc.settings.home)).current()
