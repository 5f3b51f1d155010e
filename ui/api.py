"""The HTTP API under ``/api/v1``.

Public: ``POST /chat`` (JSON, or server-sent events with ``"stream": true``), ``POST /feedback``,
``POST /handoff``, ``GET /health``. A conversation is started by ``/chat`` without a session id;
the server chooses the id, and only API callers that present it reach that conversation (not the
widget, not the chat page); an id the server did not issue for the API is 404. Admin, with ``Authorization: Bearer <HELPDESK_ADMIN_API_KEY>``:
documents, conversations, FAQ entries, unanswered questions and hand-offs. Errors are JSON
``{"error": "..."}`` with the status of their kind (see ``ui.errors``). The chat turn itself is
``ui.turn``'s, shared with the widget.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from bot.conversation import check_session_id
from knowledge.errors import InputError, NotFound

from .deps import ERR, ServiceDep, StaffDep, client_of, require_admin, require_staff
from .inputs import SafeText
from .storage import DEFAULT_BOT
from .turn import chat_turn

__all__ = ["router", "upload_into"]

API = "api"  # the owner of conversations started through /api/v1/chat


class ChatRequest(BaseModel):
    """A customer's message."""

    message: SafeText = Field(..., description="The question (at most HELPDESK_MAX_QUESTION_CHARS characters).")
    session_id: str | None = Field(None, max_length=64, description=(
        "Continue a conversation this API started (the session_id of an earlier answer); omit to start one. "
        "Ids are chosen by the server: any other id is refused with 404."))
    stream: bool = Field(False, description="Answer as server-sent events: token, sources, done, error.")


class Source(BaseModel):
    """A cited source of an answer."""

    n: int
    source: str
    title: str
    location: str = ""
    text: str
    score: float


class ChatResponse(BaseModel):
    """The ask object of the command-line contract, plus the session id."""

    answer: str
    refused: bool
    canned: bool
    sources: list[Source]
    timings_ms: dict[str, float]
    session_id: str
    handoff: Literal["waiting", "agent"] | None = Field(
        None, description="Set while a person has the conversation: the message went to them, the answer is empty.")


class FeedbackRequest(BaseModel):
    """Thumbs up or down on an answer."""

    session_id: str = Field(..., max_length=64)
    rating: Literal["up", "down"]
    comment: SafeText = Field("", max_length=2000)
    turn: int | None = Field(None, ge=0, description="0-based answer of the session; the last by default.")


class HandoffRequest(BaseModel):
    """A request to talk to a person."""

    session_id: str = Field(..., max_length=64)
    contact: SafeText = Field("", max_length=500, description="How to reach the customer (optional).")
    message: SafeText = Field("", max_length=4000, description="Anything the customer wants to add.")


class FaqRequest(BaseModel):
    """An FAQ entry: returned word for word when a customer asks this question."""

    question: SafeText = Field(..., max_length=1000)
    answer: SafeText = Field(..., max_length=8000)


_UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["files"],
    "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}},
}}}}}

router = APIRouter(prefix="/api/v1")
_admin = APIRouter(dependencies=[Depends(require_admin)], tags=["admin"], responses={401: ERR, 403: ERR, 404: ERR})
_staff = APIRouter(dependencies=[Depends(require_staff)], tags=["staff"], responses={401: ERR, 404: ERR})  # agents too


# -- public ----------------------------------------------------------------------------------

@router.post("/chat", response_model=ChatResponse, response_model_exclude_none=True, tags=["chat"],
             responses={200: {"content": {"text/event-stream": {}}}, 400: ERR, 429: ERR, 503: ERR})
async def chat(body: ChatRequest, request: Request, service: ServiceDep):
    """Answer a message; with ``stream`` the answer comes as server-sent events."""
    client = client_of(request)

    def admit() -> None:
        if body.session_id is not None:
            check_session_id(body.session_id)
        service.limiter.check(client)

    return await chat_turn(service, body.message, body.stream, admit=admit,
                           session=lambda: service.open_session(body.session_id, API))


@router.post("/feedback", tags=["chat"], status_code=201, responses={400: ERR, 404: ERR, 429: ERR})
def feedback(body: FeedbackRequest, request: Request, service: ServiceDep) -> dict[str, Any]:
    """Record thumbs up or down (and a comment) on an answer of a conversation this API started."""
    fid = service.feedback(body.session_id, body.rating, body.comment, body.turn, owner=API,
                        client=client_of(request))
    return {"id": fid, "status": "recorded"}


@router.post("/handoff", tags=["chat"], status_code=201, responses={400: ERR, 404: ERR, 429: ERR})
def handoff(body: HandoffRequest, request: Request, service: ServiceDep) -> dict[str, Any]:
    """Ask for a person about a conversation this API started (with at least one answer): records
    the transcript; the hand-off webhook, if set, receives it right after (``webhook: pending``)."""
    return service.handoff(body.session_id, body.contact, body.message, owner=API, client=client_of(request))


@router.get("/health", tags=["server"], responses={503: ERR})
def health(service: ServiceDep) -> JSONResponse:
    """200 when models and store are loaded and the store answers; 503 otherwise."""
    status, body = service.health()
    return JSONResponse(body, status_code=status)


# -- admin -----------------------------------------------------------------------------------

@_admin.get("/documents")
def documents(service: ServiceDep) -> dict[str, Any]:
    """Documents with chunk counts, size and ingestion time."""
    return {"documents": service.knowledge_admin.documents()}


@_admin.post("/documents", openapi_extra=_UPLOAD_BODY, responses={413: ERR, 415: ERR})
async def upload(request: Request, service: ServiceDep, staff: StaffDep) -> JSONResponse:
    """Upload one or many files (multipart field ``files``); each is ingested on its own."""
    service.require_bot()
    return await upload_into(service.knowledge_admin, request, service, staff.name)


async def upload_into(admin, request: Request, service, actor: str) -> JSONResponse:
    """Ingest the files of a multipart upload with ``admin`` (a bot's KnowledgeAdmin) for ``actor``."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InputError("send the files as multipart/form-data in the field 'files'")
    form = await request.form(max_files=service.settings.server.upload_max_files, max_fields=20)
    try:
        files = [(v.filename or "", v.file) for _, v in form.multi_items() if isinstance(v, UploadFile)]
        rows = await run_in_threadpool(lambda: _last(admin.upload(files, actor=actor)))
    finally:
        await form.close()
    body: dict[str, Any] = {"documents": [{k: r[k] for k in ("file", "source", "status", "chunks", "error")}
                                          for r in rows]}
    if all(r["status"] == "failed" for r in rows):
        body["error"] = "; ".join(r["error"] for r in rows)
        return JSONResponse(body, status_code=rows[0]["code"])
    return JSONResponse(body)


@_admin.get("/documents/{doc_id}")
def document(doc_id: str, service: ServiceDep) -> dict[str, Any]:
    """One document with its chunks."""
    source = service.knowledge_admin.find(doc_id)
    kb = service.require_bot().knowledge
    info = kb.document(source)
    chunks = [{"id": c.id, "location": c.location(), "text": c.text} for c in kb.chunks_of(source)]
    return {"document": info.as_dict(), "chunks": chunks}


@_admin.delete("/documents/{doc_id}")
def delete_document(doc_id: str, service: ServiceDep, staff: StaffDep) -> dict[str, Any]:
    """Remove a document and every chunk of it."""
    return service.knowledge_admin.delete(doc_id, actor=staff.name)


@_admin.post("/documents/{doc_id}/reingest")
def reingest(doc_id: str, service: ServiceDep, staff: StaffDep) -> dict[str, Any]:
    """Ingest a document's kept original file again."""
    return service.knowledge_admin.reingest(doc_id, actor=staff.name)


@_staff.get("/conversations")
def conversations(service: ServiceDep, staff: StaffDep, limit: int = Query(50, ge=1, le=500),
                  offset: int = Query(0, ge=0)) -> dict[str, Any]:
    """Conversations (of every bot; of a limited staff member's bots), latest first, with turn
    counts, refusals, feedback and hand-offs."""
    return {"conversations": service.storage.feedback.conversations(limit, offset, staff.bots or None)}


@_staff.get("/conversations/{session_id}")
def conversation(session_id: str, service: ServiceDep, staff: StaffDep) -> dict[str, Any]:
    """Every turn of one conversation with its sources and feedback (404 for another bot's, to a
    staff member limited to some bots)."""
    check_session_id(session_id)
    turns = service.storage.feedback.transcript(session_id)
    if not turns or not staff.sees(service.storage.conversations.session_bot(session_id) or DEFAULT_BOT):
        raise NotFound(f"no conversation {session_id!r}")
    return {"session_id": session_id, "user_id": service.storage.conversations.session_user(session_id),
            "turns": turns}


@_staff.get("/unanswered")
def unanswered(service: ServiceDep, limit: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
    """Refused and thumbs-down questions that no FAQ entry covers yet."""
    return {"questions": service.storage.feedback.unanswered(limit)}


@_staff.get("/handoffs")
def handoffs(service: ServiceDep, staff: StaffDep, limit: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
    """The latest hand-offs (of every bot; of a limited staff member's bots) and whether the
    webhook accepted them."""
    return {"handoffs": service.storage.handoffs.latest(limit, staff.bots or None)}


@_staff.get("/faq")
def faq(service: ServiceDep) -> dict[str, Any]:
    """FAQ entries managed in the admin console."""
    return {"faq": service.storage.faq.entries()}


@_staff.post("/faq", status_code=201)
def add_faq(body: FaqRequest, service: ServiceDep, staff: StaffDep) -> dict[str, Any]:
    """Add an FAQ entry (published at once as part of admin-faq.json); agents may, to keep a reply."""
    return {"id": service.knowledge_admin.save_faq(body.question, body.answer, actor=staff.name)}


@_admin.put("/faq/{entry_id}")
def change_faq(entry_id: int, body: FaqRequest, service: ServiceDep, staff: StaffDep) -> dict[str, Any]:
    """Change an FAQ entry."""
    return {"id": service.knowledge_admin.save_faq(body.question, body.answer, entry_id, actor=staff.name)}


@_admin.delete("/faq/{entry_id}")
def delete_faq(entry_id: int, service: ServiceDep, staff: StaffDep) -> dict[str, Any]:
    """Remove an FAQ entry."""
    service.knowledge_admin.delete_faq(entry_id, actor=staff.name)
    return {"id": entry_id, "status": "deleted"}


router.include_router(_admin)
router.include_router(_staff)


@router.api_route("/{path:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"], include_in_schema=False)
def unknown(path: str) -> JSONResponse:
    """404 for any other path under /api/v1 (last: the chat page mounted at / would answer with HTML)."""
    return JSONResponse({"error": f"no such endpoint: /api/v1/{path}"}, status_code=404)


def _last(rows_iter):
    rows = []
    for rows in rows_iter:
        pass
    return rows
