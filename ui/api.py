"""The HTTP API under ``/api/v1``.

Public: ``POST /chat`` (JSON, or server-sent events with ``"stream": true``), ``POST /feedback``,
``POST /handoff``, ``GET /health``. A conversation is started by ``/chat`` without a session id;
the server chooses the id, and only API callers that present it reach that conversation (not the
widget, not the chat page); an id the server did not issue for the API is 404. Admin, with ``Authorization: Bearer <HELPDESK_ADMIN_API_KEY>``:
documents, conversations, FAQ entries, unanswered questions and hand-offs. Errors are JSON
``{"error": "..."}`` with the status of their kind (see ``ui.app``).
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from bot.conversation import ConversationStore
from bot.prompts import detect_language, text
from knowledge.errors import InputError, NotFound

from .gate import Busy, RateLimited
from .inputs import SafeText
from .streaming import AnswerRun, sse
from .texts import say

__all__ = ["api_router", "admin_guard", "client_of", "answer_response", "refusal"]

log = logging.getLogger("helpdesk.api")

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
_ERR = {"model": dict[str, str]}


def client_of(request: Request) -> str:
    """The client's address (the proxy's X-Forwarded-For when it comes from a trusted proxy)."""
    return request.client.host if request.client else "unknown"


def refusal(status: int, message: str, retry_after: int | None = None, **extra) -> JSONResponse:
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return JSONResponse({"error": message, **extra}, status_code=status, headers=headers)


def admin_guard(desk):
    """A dependency that lets a request through only with the admin API key (401 otherwise)."""
    bearer = HTTPBearer(auto_error=False, description="The admin API key (HELPDESK_ADMIN_API_KEY).")

    def admin(credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
        given = f"Bearer {credentials.credentials}" if credentials else None
        if not desk.auth.api_key_ok(given):
            why = ("a valid admin API key is required (Authorization: Bearer <key>)" if desk.auth.api_enabled
                   else "the admin API is off: set HELPDESK_ADMIN_API_KEY to turn it on")
            raise HTTPException(401, why, headers={"WWW-Authenticate": "Bearer"})

    return admin


def api_router(desk) -> APIRouter:
    """The ``/api/v1`` routes over one Desk."""
    router = APIRouter(prefix="/api/v1")

    admin = admin_guard(desk)

    # -- public ------------------------------------------------------------------------------

    @router.post("/chat", response_model=ChatResponse, tags=["chat"],
                 responses={200: {"content": {"text/event-stream": {}}}, 400: _ERR, 429: _ERR, 503: _ERR})
    async def chat(body: ChatRequest, request: Request):
        """Answer a message; with ``stream`` the answer comes as server-sent events."""
        desk.require_bot()
        message = desk.check_message(body.message)
        if body.session_id is not None:
            ConversationStore.check_id(body.session_id)
        lang = detect_language(message)
        try:
            await run_in_threadpool(desk.limiter.check, client_of(request))
        except RateLimited as exc:
            return refusal(429, say("rate_limited", lang, seconds=exc.retry_after), exc.retry_after,
                           rate_limited=True)
        sid = await run_in_threadpool(desk.open_session, body.session_id, API)
        return await answer_response(desk, message, sid, body.stream, lang)

    @router.post("/feedback", tags=["chat"], status_code=201, responses={400: _ERR, 404: _ERR, 429: _ERR})
    def feedback(body: FeedbackRequest, request: Request) -> dict[str, Any]:
        """Record thumbs up or down (and a comment) on an answer of a conversation this API started."""
        fid = desk.feedback(body.session_id, body.rating, body.comment, body.turn, owner=API,
                            client=client_of(request))
        return {"id": fid, "status": "recorded"}

    @router.post("/handoff", tags=["chat"], status_code=201, responses={400: _ERR, 404: _ERR, 429: _ERR})
    def handoff(body: HandoffRequest, request: Request) -> dict[str, Any]:
        """Ask for a person about a conversation this API started (with at least one answer): records
        the transcript; the hand-off webhook, if set, receives it right after (``webhook: pending``)."""
        return desk.handoff(body.session_id, body.contact, body.message, owner=API, client=client_of(request))

    @router.get("/health", tags=["server"], responses={503: _ERR})
    def health() -> JSONResponse:
        """200 when models and store are loaded and the store answers; 503 otherwise."""
        status, body = desk.health()
        return JSONResponse(body, status_code=status)

    # -- admin -------------------------------------------------------------------------------

    guarded = APIRouter(dependencies=[Depends(admin)], tags=["admin"],
                        responses={401: _ERR, 404: _ERR})

    @guarded.get("/documents")
    def documents() -> dict[str, Any]:
        """Documents with chunk counts, size and ingestion time."""
        return {"documents": desk.library.documents()}

    @guarded.post("/documents", openapi_extra=_UPLOAD_BODY, responses={413: _ERR, 415: _ERR})
    async def upload(request: Request) -> JSONResponse:
        """Upload one or many files (multipart field ``files``); each is ingested on its own."""
        desk.require_bot()
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise InputError("send the files as multipart/form-data in the field 'files'")
        form = await request.form(max_files=desk.settings.server.upload_max_files, max_fields=20)
        try:
            files = [(v.filename or "", v.file) for _, v in form.multi_items() if isinstance(v, UploadFile)]
            rows = await run_in_threadpool(lambda: _last(desk.library.upload(files)))
        finally:
            await form.close()
        body: dict[str, Any] = {"documents": [{k: r[k] for k in ("file", "source", "status", "chunks", "error")}
                                              for r in rows]}
        if all(r["status"] == "failed" for r in rows):
            body["error"] = "; ".join(r["error"] for r in rows)
            return JSONResponse(body, status_code=rows[0]["code"])
        return JSONResponse(body)

    @guarded.get("/documents/{doc_id}")
    def document(doc_id: str) -> dict[str, Any]:
        """One document with its chunks."""
        source = desk.library.find(doc_id)
        kb = desk.require_bot().knowledge.kb
        info = kb.document(source)
        chunks = [{"id": c.id, "location": c.location(), "text": c.text} for c in kb.chunks_of(source)]
        return {"document": info.as_dict(), "chunks": chunks}

    @guarded.delete("/documents/{doc_id}")
    def delete_document(doc_id: str) -> dict[str, Any]:
        """Remove a document and every chunk of it."""
        return desk.library.delete(doc_id)

    @guarded.post("/documents/{doc_id}/reingest")
    def reingest(doc_id: str) -> dict[str, Any]:
        """Ingest a document's kept original file again."""
        return desk.library.reingest(doc_id)

    @guarded.get("/conversations")
    def conversations(limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0)) -> dict[str, Any]:
        """Conversations, latest first, with turn counts, refusals, feedback and hand-offs."""
        return {"conversations": desk.records.conversations(limit, offset)}

    @guarded.get("/conversations/{session_id}")
    def conversation(session_id: str) -> dict[str, Any]:
        """Every turn of one conversation with its sources and feedback."""
        ConversationStore.check_id(session_id)
        turns = desk.records.transcript(session_id)
        if not turns:
            raise NotFound(f"no conversation {session_id!r}")
        return {"session_id": session_id, "turns": turns}

    @guarded.get("/unanswered")
    def unanswered(limit: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
        """Refused and thumbs-down questions that no FAQ entry covers yet."""
        return {"questions": desk.records.unanswered(limit)}

    @guarded.get("/handoffs")
    def handoffs(limit: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
        """The latest hand-offs and whether the webhook accepted them."""
        return {"handoffs": desk.records.handoffs(limit)}

    @guarded.get("/faq")
    def faq() -> dict[str, Any]:
        """FAQ entries managed in the admin console."""
        return {"faq": desk.records.faq()}

    @guarded.post("/faq", status_code=201)
    def add_faq(body: FaqRequest) -> dict[str, Any]:
        """Add an FAQ entry (published at once as part of admin-faq.json)."""
        return {"id": desk.library.save_faq(body.question, body.answer)}

    @guarded.put("/faq/{entry_id}")
    def change_faq(entry_id: int, body: FaqRequest) -> dict[str, Any]:
        """Change an FAQ entry."""
        return {"id": desk.library.save_faq(body.question, body.answer, entry_id)}

    @guarded.delete("/faq/{entry_id}")
    def delete_faq(entry_id: int) -> dict[str, Any]:
        """Remove an FAQ entry."""
        desk.library.delete_faq(entry_id)
        return {"id": entry_id, "status": "deleted"}

    router.include_router(guarded)

    @router.api_route("/{path:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"],
                      include_in_schema=False)
    def unknown(path: str) -> JSONResponse:
        # Without this, the chat page mounted at / would answer unknown API paths with HTML.
        return JSONResponse({"error": f"no such endpoint: /api/v1/{path}"}, status_code=404)

    return router


async def answer_response(desk, message: str, session_id: str | None, stream: bool, lang: str):
    """Answer ``message``: the answer object, or server-sent events with ``stream`` (503 when busy)."""
    run = AnswerRun(desk, message, session_id)
    events = run.events()
    try:
        first = await anext(events)
    except Busy as exc:
        return refusal(503, text("busy", lang), exc.retry_after, busy=True)
    if stream:
        return StreamingResponse(_stream(first, events, lang), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    answer = first.data if first.kind == "done" else None
    try:
        async for event in events:
            if event.kind == "done":
                answer = event.data
    except Busy as exc:
        return refusal(503, text("busy", lang), exc.retry_after, busy=True)
    if answer.error:
        return refusal(503, answer.answer, 5, session_id=answer.session_id)
    return answer.as_dict()


async def _stream(first, events, lang: str):
    try:
        async for event in _chain([first], events):
            if event.kind in ("token", "replace"):
                yield sse(event.kind, {"text": event.data})
            elif event.kind == "queued":
                yield sse("queued", {"ahead": event.data})
            elif event.kind == "sources":
                yield sse("sources", {"sources": event.data})
            elif event.kind == "error":
                yield sse("error", {"error": event.data})
            elif event.kind == "done":
                yield sse("done", event.data.as_dict())
    except Busy as exc:
        yield sse("error", {"error": text("busy", lang), "busy": True, "retry_after": exc.retry_after})
    except Exception as exc:  # after the headers went out, an error can only be an event
        log.exception("streaming failed: %s", exc)
        yield sse("error", {"error": text("error", lang)})
    finally:
        await events.aclose()


async def _chain(first: list, rest):
    for item in first:
        yield item
    async for item in rest:
        yield item


def _last(rows_iter):
    rows = []
    for rows in rows_iter:
        pass
    return rows
