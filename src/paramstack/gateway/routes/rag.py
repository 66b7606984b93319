"""The RAG API: a tenant's collections and documents, and search over them.

POST/GET /v1/rag/collections/{name}/documents, DELETE .../documents/{id} (or ?id=), POST .../search,
GET /v1/rag/collections, DELETE /v1/rag/collections/{name}. A tenant key authenticates the tenant, and
every collection name is read in that tenant's namespace: another tenant's collection is a 404.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from paramstack.errors import InvalidRequest, ServiceUnavailable
from paramstack.gateway.services import Services, services
from paramstack.rag.service import RagService

router = APIRouter(prefix="/v1/rag", tags=["rag"])
Svc = Annotated[Services, Depends(services)]
MetadataValue = str | int | float | bool | None


class NewDocument(BaseModel):
    """One document: ``text`` for text/Markdown/HTML, or ``data`` (base64) for any format including PDF."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=512)
    text: str | None = None
    data: str | None = None
    format: Literal["text", "markdown", "html", "pdf"] | None = None
    filename: str | None = Field(default=None, max_length=512)
    metadata: dict[str, MetadataValue] = Field(default_factory=dict, max_length=64)
    scrub_pii: bool | None = None

    @model_validator(mode="after")
    def _one_body(self) -> NewDocument:
        if (self.text is None) == (self.data is None):
            raise ValueError("give exactly one of 'text' or 'data' (base64)")
        return self

    def content(self) -> bytes:
        if self.text is not None:
            return self.text.encode("utf-8")
        try:
            return base64.b64decode(self.data or "", validate=True)
        except (binascii.Error, ValueError):
            raise InvalidRequest("'data' is not valid base64", param="data", code="invalid_value") from None


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=4000)
    top_k: int | None = Field(default=None, ge=1, le=100)
    mode: Literal["hybrid", "vector", "keyword"] = "hybrid"


def rag_service(request: Request) -> RagService:
    rag: RagService | None = getattr(request.app.state.services, "rag", None)
    if rag is None:
        raise ServiceUnavailable("RAG is disabled on this server (rag.enabled: false)", code="rag_disabled")
    return rag


Rag = Annotated[RagService, Depends(rag_service)]


@router.get("/collections")
async def list_collections(request: Request, svc: Svc, rag: Rag) -> dict[str, Any]:
    org_id = (await svc.tenant_caller(request)).org_id
    found = await asyncio.to_thread(rag.list_collections, org_id)
    return {"object": "list", "data": [c.to_dict() for c in found]}


@router.delete("/collections/{name}")
async def delete_collection(name: str, request: Request, svc: Svc, rag: Rag) -> dict[str, Any]:
    org_id = (await svc.tenant_caller(request)).org_id
    await asyncio.to_thread(rag.delete_collection, org_id, name)
    return {"id": name, "object": "rag.collection", "deleted": True}


@router.post("/collections/{name}/documents")
async def ingest_document(name: str, body: NewDocument, request: Request, svc: Svc, rag: Rag) -> JSONResponse:
    org_id = (await svc.tenant_caller(request)).org_id
    result = await asyncio.to_thread(
        rag.ingest,
        org_id,
        name,
        body.id,
        body.content(),
        filename=body.filename,
        media_type=body.format,
        metadata=body.metadata,
        scrub_pii=body.scrub_pii,
    )
    return JSONResponse(result.to_dict(), status_code=201 if result.status == "created" else 200)


@router.get("/collections/{name}/documents")
async def list_documents(name: str, request: Request, svc: Svc, rag: Rag) -> dict[str, Any]:
    org_id = (await svc.tenant_caller(request)).org_id
    found = await asyncio.to_thread(rag.list_documents, org_id, name)
    return {"object": "list", "data": [d.to_dict() for d in found]}


@router.delete("/collections/{name}/documents")
async def delete_document_by_query(
    name: str, request: Request, svc: Svc, rag: Rag, document: Annotated[str, Query(alias="id", min_length=1)]
) -> dict[str, Any]:
    return await _delete_document(name, document, request, svc, rag)


@router.delete("/collections/{name}/documents/{document:path}")
async def delete_document(name: str, document: str, request: Request, svc: Svc, rag: Rag) -> dict[str, Any]:
    return await _delete_document(name, document, request, svc, rag)


@router.post("/collections/{name}/search")
async def search(name: str, body: SearchRequest, request: Request, svc: Svc, rag: Rag) -> dict[str, Any]:
    org_id = (await svc.tenant_caller(request)).org_id
    hits = await asyncio.to_thread(rag.search, org_id, name, body.query, top_k=body.top_k, mode=body.mode)
    return {"object": "list", "hits": [hit.to_dict() for hit in hits]}


async def _delete_document(name: str, document: str, request: Request, svc: Svc, rag: RagService) -> dict[str, Any]:
    org_id = (await svc.tenant_caller(request)).org_id
    await asyncio.to_thread(rag.delete_document, org_id, name, document)
    return {"id": document, "object": "rag.document", "deleted": True}
