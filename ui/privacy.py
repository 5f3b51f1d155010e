"""Export and erasure of conversations over the admin API, and the daily retention purge.

``GET /api/v1/conversations/export?format=jsonl|csv&from=YYYY-MM-DD&to=YYYY-MM-DD`` streams every
conversation (``ui/storage/export.py``); ``DELETE /api/v1/conversations/{session_id}`` erases one
with everything keyed by it (``ui/storage/erase.py``). Both need the admin API key.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from bot.conversation import check_session_id, short_id
from knowledge.errors import InputError, NotFound

from .deps import ERR, ServiceDep, require_admin
from .storage.export import FORMATS, period

__all__ = ["router"]

log = logging.getLogger("helpdesk.privacy")

router = APIRouter(prefix="/api/v1", dependencies=[Depends(require_admin)], tags=["admin"],
                   responses={400: ERR, 401: ERR, 404: ERR})

_MEDIA = {"jsonl": "application/x-ndjson; charset=utf-8", "csv": "text/csv; charset=utf-8"}


@router.get("/conversations/export", responses={200: {"content": {m: {} for m in _MEDIA.values()}}})
def export(service: ServiceDep, format: str = Query("jsonl", description="jsonl or csv"),
           start: str | None = Query(None, alias="from", max_length=40, description="First day, YYYY-MM-DD (UTC)."),
           end: str | None = Query(None, alias="to", max_length=40, description="Last day, YYYY-MM-DD (UTC).")
           ) -> StreamingResponse:
    """Every conversation started in the period, with turns, sources, feedback and hand-offs,
    streamed: JSON lines (one conversation a line) or CSV (one turn a row)."""
    if format not in FORMATS:
        raise InputError(f"format must be one of {', '.join(FORMATS)}, got {format[:20]!r}")
    lo, hi = period(start, end)
    store = service.storage.export
    lines = store.jsonl(lo, hi) if format == "jsonl" else store.csv(lo, hi)
    name = f"conversations-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}.{format}"
    log.info("export of conversations as %s (from=%s to=%s)", format, start or "-", end or "-")
    return StreamingResponse(lines, media_type=_MEDIA[format],
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.delete("/conversations/{session_id}")
def erase(session_id: str, service: ServiceDep) -> dict[str, Any]:
    """Erase one conversation completely: turns, feedback, hand-offs, its owner and the session."""
    check_session_id(session_id)
    if not service.storage.erasure.erase(session_id):
        raise NotFound(f"no conversation {session_id!r}")
    log.info("erased conversation %s", short_id(session_id))
    return {"session_id": session_id, "status": "erased"}
