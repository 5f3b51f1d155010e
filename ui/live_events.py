"""A conversation's live events for the customer's screen, as server-sent events.

``GET /api/v1/chat/events?session_id=`` (a conversation the API started; a bot's API has
``/api/v1/bots/{bot}/chat/events``, ``ui/api_bots.py``) and
``GET /api/v1/widget/events?token=`` (the widget token's conversation: EventSource cannot send an
Authorization header, so this route alone also takes the token as a query parameter; the access
log never writes query strings, ``ui/logs.py``). Anyone else's conversation is 403.

Each event is ``event: <kind>`` (``waiting``, ``agent_joined``, ``agent_message``, ``agent_left``,
``closed``, ``bot_message``, ``customer_message``), ``id: <n>`` and JSON data ``{"id", "kind",
"author", "name", "text", "at"}``. The stream starts after ``after`` (or the browser's
``Last-Event-ID``), so a reconnecting page misses nothing. Replicas share no memory: each stream
polls the database every ``HELPDESK_HANDOFF__POLL_SECONDS``, sends a comment as heartbeat, and
ends after ``HELPDESK_HANDOFF__STREAM_MINUTES`` with nothing to send (EventSource reconnects).
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import APIRouter, Header, HTTPException, Query, Request
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from bot.conversation import check_session_id
from knowledge.errors import InputError

from .deps import ERR, ServiceDep
from .widget import token_claims

__all__ = ["router", "event_stream", "api_events", "after_event", "STREAM_RESPONSES"]

API = "api"  # the owner of conversations started through /api/v1/chat (ui/api.py)
_KEYS = ("id", "kind", "author", "name", "text", "at")

router = APIRouter(tags=["chat"])
STREAM_RESPONSES = {200: {"content": {"text/event-stream": {}}}, 400: ERR, 401: ERR, 403: ERR}


def after_event(after: int | None, last_event_id: str | None) -> int:
    """Where a stream starts: ``?after=``, else the browser's ``Last-Event-ID``, else the beginning."""
    if after is not None:
        return after
    return int(last_event_id) if last_event_id and last_event_id.isdigit() and len(last_event_id) < 19 else 0


@router.get("/api/v1/chat/events", responses=STREAM_RESPONSES)
async def chat_events(request: Request, service: ServiceDep,
                      session_id: Annotated[str, Query(max_length=64)],
                      after: Annotated[int | None, Query(ge=0, le=2**62)] = None,
                      last_event_id: Annotated[str | None, Header()] = None) -> EventSourceResponse:
    """The live events of a conversation this API started (403 for any other)."""
    return await api_events(service, session_id, API, "/api/v1/chat", after_event(after, last_event_id), request)


async def api_events(service, session_id: str, owner: str, route: str, after: int,
                     request: Request) -> EventSourceResponse:
    """The events of ``session_id`` when ``owner`` started it through the chat route ``route``
    (``/api/v1/chat``, or a bot's ``/api/v1/bots/{bot}/chat`` with owner ``api:<bot>``); else 403."""
    try:
        check_session_id(session_id)
    except InputError as exc:
        raise HTTPException(403, "not your conversation") from exc
    if await run_in_threadpool(service.storage.conversations.session_owner, session_id) != owner:
        raise HTTPException(403, f"not your conversation: use a session_id that {route} returned")
    return event_stream(service, session_id, after, request)


@router.get("/api/v1/widget/events", tags=["widget"], responses=STREAM_RESPONSES)
async def widget_events(request: Request, service: ServiceDep,
                        token: Annotated[str | None, Query(max_length=2000)] = None,
                        after: Annotated[int | None, Query(ge=0, le=2**62)] = None,
                        authorization: Annotated[str | None, Header()] = None,
                        last_event_id: Annotated[str | None, Header()] = None) -> EventSourceResponse:
    """The live events of the widget token's conversation (the token in ``?token=`` or the header)."""
    if authorization and authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
    if not token:
        raise HTTPException(401, "a widget token is required (?token=<token>)")
    claims = await run_in_threadpool(token_claims, request, service, token)
    return event_stream(service, claims["session_id"], after_event(after, last_event_id), request)


def event_stream(service, session_id: str, after: int, request: Request) -> EventSourceResponse:
    """Server-sent events of ``session_id`` after event ``after``, polled from the shared database."""
    h = service.settings.handoff
    return EventSourceResponse(_poll(service, session_id, after, request, h.poll_seconds, h.stream_minutes * 60),
                               ping=15, headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


async def _poll(service, session_id: str, after: int, request: Request, every_s: float,
                idle_s: float) -> AsyncIterator[ServerSentEvent]:
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < idle_s:
        if await request.is_disconnected():
            return
        for e in await run_in_threadpool(service.storage.live.events, session_id, after):
            after = e["id"]
            quiet_since = time.monotonic()
            yield ServerSentEvent(json.dumps({k: e[k] for k in _KEYS}, ensure_ascii=False), event=e["kind"],
                                  id=str(e["id"]))
        await anyio.sleep(every_s)
