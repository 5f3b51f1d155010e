"""The HTTP API of several bots: ``/api/v1/bots`` (admin: list, add, remove) and, per bot,
``/api/v1/bots/{bot}/chat``, ``/chat/events``, ``/feedback``, ``/handoff`` (public), ``/documents``, ``/faq``
(admin) and ``/conversations``, ``/unanswered``, ``/handoffs`` (staff: agents too).
A staff member limited to some bots gets 403 on every other bot's staff routes (``your_bot``).

Each is the route of ``ui/api.py`` for one bot: ``/api/v1/chat`` is the default bot's, and so is
``/api/v1/bots/default/chat``. A bot never reaches another's conversations (their owner carries
the bot's name: ``api:acme``), FAQ entries or documents; an unknown bot is 404 naming it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from bot.conversation import check_session_id
from knowledge.errors import NotFound

from .api import API, ChatRequest, ChatResponse, FaqRequest, FeedbackRequest, HandoffRequest
from .deps import ERR, ServiceDep, StaffDep, client_of, require_admin
from .inputs import SafeText
from .live_events import STREAM_RESPONSES, after_event, api_events
from .storage import DEFAULT_BOT
from .turn import chat_turn

__all__ = ["router", "owner_of"]


class BotRequest(BaseModel):
    """A bot to add: its name (also its knowledge base's), display name, persona and model settings."""

    name: str = Field(..., max_length=40, description="1-40 lower-case letters, digits, '-' or '_'.")
    display_name: SafeText = Field("", max_length=200)
    persona: dict[str, Any] = Field(default_factory=dict, description=(
        '{"tone": "...", "texts": {"en": {"greeting": "...", "refusal": "...", "handoff": "...", "title": "..."}, '
        '"zh": {...}}}'))
    model: dict[str, Any] = Field(default_factory=dict, description=(
        'Settings overrides: generator, model, answer_style, openai_base_url, llm, retrieval.'))


router = APIRouter()
_public = APIRouter(prefix="/api/v1/bots", responses={404: ERR})
_admin = APIRouter(prefix="/api/v1/bots", dependencies=[Depends(require_admin)], tags=["bots"],
                   responses={400: ERR, 401: ERR, 403: ERR, 404: ERR})


def owner_of(bot: str, owner: str = API) -> str:
    """The owner of conversations that ``owner`` starts with ``bot`` (``api`` / ``api:acme``)."""
    return owner if bot == DEFAULT_BOT else f"{owner}:{bot}"


def _bot(service, bot: str) -> str:
    return service.bots.resolve(bot)


def your_bot(bot: str, service: ServiceDep, staff: StaffDep) -> str:
    """The stored name of ``bot`` for a staff route: 404 for an unknown bot, 403 for a staff member
    limited to other bots (the one place the staff routes of one bot check it)."""
    name = _bot(service, bot)
    if not staff.sees(name):
        raise HTTPException(403, f"not your bot: {staff.name} works for "
                                 f"{', '.join(service.bots.public_name(b) for b in staff.bots)}")
    return name


# One bot's staff routes: its knowledge (admins) and its conversations (agents too).
_one_admin = APIRouter(prefix="/api/v1/bots/{bot}", dependencies=[Depends(require_admin), Depends(your_bot)],
                       tags=["bots"], responses={400: ERR, 401: ERR, 403: ERR, 404: ERR})
_one_staff = APIRouter(prefix="/api/v1/bots/{bot}", dependencies=[Depends(your_bot)],
                       tags=["bots"], responses={401: ERR, 403: ERR, 404: ERR})


# -- public: chat, feedback, hand-off --------------------------------------------------------

@_public.post("/{bot}/chat", response_model=ChatResponse, response_model_exclude_none=True, tags=["chat"],
             responses={200: {"content": {"text/event-stream": {}}}, 400: ERR, 429: ERR, 503: ERR})
async def chat(bot: str, body: ChatRequest, request: Request, service: ServiceDep):
    """Bot ``bot``'s answer to a message (as server-sent events with ``stream``)."""
    name = await run_in_threadpool(_bot, service, bot)
    client = client_of(request)

    def admit() -> None:
        if body.session_id is not None:
            check_session_id(body.session_id)
        service.limiter.check(client)

    return await chat_turn(service, body.message, body.stream, admit=admit, bot=name,
                           session=lambda: service.open_session(body.session_id, owner_of(name), name))


@_public.get("/{bot}/chat/events", tags=["chat"], responses=STREAM_RESPONSES)
async def chat_events(bot: str, request: Request, service: ServiceDep,
                      session_id: Annotated[str, Query(max_length=64)],
                      after: Annotated[int | None, Query(ge=0, le=2**62)] = None,
                      last_event_id: Annotated[str | None, Header()] = None):
    """The live events (a person joined, wrote, left) of a conversation this bot's API started
    (403 for any other, another bot's included)."""
    name = await run_in_threadpool(_bot, service, bot)
    return await api_events(service, session_id, owner_of(name), f"/api/v1/bots/{bot}/chat",
                            after_event(after, last_event_id), request)


@_public.post("/{bot}/feedback", tags=["chat"], status_code=201, responses={400: ERR, 429: ERR})
def feedback(bot: str, body: FeedbackRequest, request: Request, service: ServiceDep) -> dict[str, Any]:
    """Thumbs up or down on an answer of a conversation this bot's API started."""
    name = _bot(service, bot)
    fid = service.feedback(body.session_id, body.rating, body.comment, body.turn, owner=owner_of(name),
                           client=client_of(request))
    return {"id": fid, "status": "recorded"}


@_public.post("/{bot}/handoff", tags=["chat"], status_code=201, responses={400: ERR, 429: ERR})
def handoff(bot: str, body: HandoffRequest, request: Request, service: ServiceDep) -> dict[str, Any]:
    """Ask for a person about a conversation this bot's API started."""
    name = _bot(service, bot)
    return service.handoff(body.session_id, body.contact, body.message, owner=owner_of(name),
                           client=client_of(request))


# -- admin: the bots -------------------------------------------------------------------------

@_admin.get("")
def bots(service: ServiceDep) -> dict[str, Any]:
    """Every bot, the default first."""
    default = {"name": service.settings.bot_name, "display_name": service.settings.server.title,
               "persona": {}, "model": {}, "default": True}
    return {"bots": [default] + [{**b, "default": False} for b in service.storage.bots.list()]}


@_admin.post("", status_code=201)
def add_bot(body: BotRequest, service: ServiceDep, staff: StaffDep) -> dict[str, Any]:
    """Add a bot (its knowledge base starts empty: upload to ``/api/v1/bots/{bot}/documents``)."""
    made = service.bots.add(body.name, body.display_name, body.persona, body.model)
    service.audit.record(staff.name, "bot.add", made["name"], {"display_name": made["display_name"]})
    return made


@_one_admin.delete("")
def remove_bot(bot: str, service: ServiceDep, staff: StaffDep, delete_knowledge: bool = False) -> dict[str, Any]:
    """Remove a bot; refused while its knowledge base holds documents, unless ``delete_knowledge``."""
    gone = service.bots.remove(bot, delete_knowledge)
    service.audit.record(staff.name, "bot.remove", gone["name"], {"documents_deleted": gone["documents_deleted"]})
    return gone


# -- admin: one bot's knowledge and conversations --------------------------------------------

@_one_admin.get("/documents")
def documents(bot: str, service: ServiceDep) -> dict[str, Any]:
    """The bot's documents with chunk counts, size and ingestion time."""
    return {"documents": service.bots.admin(bot).documents()}


@_one_admin.post("/documents", responses={413: ERR, 415: ERR})
async def upload(bot: str, request: Request, service: ServiceDep, staff: StaffDep):
    """Upload files into the bot's knowledge base (multipart field ``files``)."""
    from .api import upload_into

    admin = await run_in_threadpool(service.bots.admin, bot)
    return await upload_into(admin, request, service, staff.name)


@_one_admin.delete("/documents/{doc_id}")
def delete_document(bot: str, doc_id: str, service: ServiceDep, staff: StaffDep) -> dict[str, Any]:
    """Remove a document of the bot's knowledge base."""
    return service.bots.admin(bot).delete(doc_id, actor=staff.name)


@_one_admin.get("/faq")
def faq(bot: str, service: ServiceDep) -> dict[str, Any]:
    """The bot's FAQ entries."""
    return {"faq": service.storage.faq.entries(_bot(service, bot))}


@_one_admin.post("/faq", status_code=201)
def add_faq(bot: str, body: FaqRequest, service: ServiceDep, staff: StaffDep) -> dict[str, Any]:
    """Add an FAQ entry to the bot (published at once)."""
    return {"id": service.bots.admin(bot).save_faq(body.question, body.answer, actor=staff.name)}


@_one_admin.put("/faq/{entry_id}")
def change_faq(bot: str, entry_id: int, body: FaqRequest, service: ServiceDep, staff: StaffDep) -> dict[str, Any]:
    """Change one of the bot's FAQ entries."""
    return {"id": service.bots.admin(bot).save_faq(body.question, body.answer, entry_id, actor=staff.name)}


@_one_admin.delete("/faq/{entry_id}")
def delete_faq(bot: str, entry_id: int, service: ServiceDep, staff: StaffDep) -> dict[str, Any]:
    """Remove one of the bot's FAQ entries."""
    service.bots.admin(bot).delete_faq(entry_id, actor=staff.name)
    return {"id": entry_id, "status": "deleted"}


@_one_staff.get("/conversations")
def conversations(bot: str, service: ServiceDep, limit: int = Query(50, ge=1, le=500),
                  offset: int = Query(0, ge=0)) -> dict[str, Any]:
    """The bot's conversations, latest first."""
    return {"conversations": service.storage.feedback.conversations(limit, offset, _bot(service, bot))}


@_one_staff.get("/conversations/{session_id}")
def conversation(bot: str, session_id: str, service: ServiceDep) -> dict[str, Any]:
    """Every turn of one of the bot's conversations (404 for another bot's)."""
    name = _bot(service, bot)
    check_session_id(session_id)
    turns = service.storage.feedback.transcript(session_id)
    if not turns or service.storage.conversations.session_bot(session_id) != name:
        raise NotFound(f"bot {bot!r} has no conversation {session_id!r}")
    return {"session_id": session_id, "turns": turns}


@_one_staff.get("/unanswered")
def unanswered(bot: str, service: ServiceDep, limit: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
    """Questions the bot refused or that got a thumbs down, not covered by its FAQ."""
    return {"questions": service.storage.feedback.unanswered(limit, _bot(service, bot))}


@_one_staff.get("/handoffs")
def handoffs(bot: str, service: ServiceDep, limit: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
    """The latest hand-offs of the bot's conversations."""
    return {"handoffs": service.storage.handoffs.latest(limit, _bot(service, bot))}


router.include_router(_public)
router.include_router(_admin)
router.include_router(_one_admin)
router.include_router(_one_staff)
