"""The admin API for knowledge sources: ``GET/POST /api/v1/sources``, ``DELETE /api/v1/sources/{id}``,
``POST /api/v1/sources/{id}/sync`` (bearer ``HELPDESK_ADMIN_API_KEY``). The work is
``ui/sources.py``'s; a sync requested here runs on the server's scheduler, one replica at a time."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from .deps import ERR, ServiceDep, require_admin
from .inputs import SafeText

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/sources", dependencies=[Depends(require_admin)], tags=["admin"],
                   responses={400: ERR, 401: ERR, 404: ERR, 413: ERR})


class SourceRequest(BaseModel):
    """A website (an http(s) URL of a help center or its sitemap.xml) or a folder on the server."""

    model_config = ConfigDict(extra="forbid")

    location: SafeText = Field(..., max_length=2000, description="https://help.example.com/, .../sitemap.xml or /srv/docs")
    every: str = Field("6h", max_length=20, description="How often to sync: 30m, 6h, 1d (1m to 365d).")


@router.get("")
def list_sources(service: ServiceDep) -> dict[str, Any]:
    """Every source with its interval, last sync (status, time, counts) and next run."""
    return {"sources": service.sources.list()}


@router.post("", status_code=201)
def add_source(body: SourceRequest, service: ServiceDep) -> dict[str, Any]:
    """Follow a website or folder; its first sync is due at once."""
    return {"source": service.sources.add(body.location, body.every)}


@router.delete("/{source_id}")
def remove_source(source_id: int, service: ServiceDep) -> dict[str, Any]:
    """Stop following a source (its documents stay in the knowledge base)."""
    source = service.sources.remove(source_id)
    return {"id": source["id"], "status": "removed"}


@router.post("/{source_id}/sync", status_code=202, responses={503: ERR})
def sync_source(source_id: int, service: ServiceDep) -> dict[str, Any]:
    """Sync a source now (in the background): poll ``GET /api/v1/sources`` for its outcome."""
    service.require_bot()
    return {"source": service.sources.sync_soon(source_id), "status": "queued"}
