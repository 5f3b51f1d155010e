"""The embeddable widget's server side: ``/widget.js``, site keys, session tokens, and the few
endpoints a widget token may call, with CORS only for the origins a site key allows.

A website pastes ``<script src="https://support.example.com/widget.js" data-site-key="pk_…" defer>``.
The script trades the site key for a short-lived token (``POST /api/v1/widget/session``, refused
with 403 unless the page's Origin is one the key allows), then chats with it. A token can chat,
rate answers, ask for a person and read its own conversation back: nothing else. Each token names
one conversation, started by the server for that site key when the token was first issued; a
reloaded page continues it by presenting its earlier token (``resume``, accepted expired for
``RESUME_DAYS``), never by a session id alone. Limits, per conversation, per client address, per
address and site key and day (a small share of the key's budget) and per site key and day, are
counters in the shared database.

The Origin check stops other websites' pages, not scripts: anyone can read a public site key and
send any Origin header. The per-address limits are what keep one script from using up a site's
budget; many addresses at once can still do it (see docs/security.md).

A website that knows who its customer is adds ``data-user-id`` and ``data-user-hash`` (the id's
HMAC with the key's identity secret, made by its backend): the session call then resumes that
customer's latest conversation on any device, and hand-offs and exports carry the id. A wrong or
missing hash, or a key without a secret, is refused with 403 and the widget chats anonymously; an
anonymous widget never resumes a signed-in customer's conversation. ``GET /api/v1/widget/config``
gives the key's appearance (ui/widget_appearance.py) as the page loads. See docs/widget.md.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import math
from pathlib import Path
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from bot.texts import TEXTS
from knowledge.lang import CJK_RANGES

from .deps import ERR, ServiceDep, StaffDep, client_of, require_admin
from .gate import RateLimited
from .inputs import SafeText
from .storage import BadToken, SiteKeys
from .turn import BudgetSpent, chat_turn
from .widget_appearance import DEFAULT, Appearance

__all__ = ["router", "WidgetCors", "WIDGET_JS", "token_claims"]

WIDGET_JS = Path(__file__).parent / "static" / "widget.js"
# The catalogue's texts that the widget shows (bot/texts.py): served inside widget.js, in both
# languages, with the ranges of Chinese characters, in place of this mark.
WIDGET_TEXTS = ("title", "greeting", "open", "close", "message", "placeholder", "send", "thinking", "waiting",
                "sources", "faq", "helpful", "not_helpful", "thanks_up", "error", "unavailable", "human",
                "contact", "handoff_send", "handoff_done", "handoff_contact", "handoff_empty", "agent_joined",
                "agent_left", "live_closed")
_SERVED = b"/*served*/{}"
_PREFIX = "/api/v1/widget/"
RESUME_DAYS = 30  # how long a widget may come back to its conversation with an expired token


class SiteKeyRequest(BaseModel):
    """A site key to create: the website's name and the origins its pages are served from."""

    name: SafeText = Field(..., max_length=200)
    origins: list[str] = Field(..., description="e.g. ['https://www.example.com', 'https://shop.example.com']")
    daily_budget: int | None = Field(None, ge=0, description="Messages a day; unset: HELPDESK_WIDGET__DAILY_MESSAGES.")
    bot: str | None = Field(None, max_length=64, description="The bot the widget answers as; the default bot if unset.")


class SessionRequest(BaseModel):
    """A widget asking for a token (with the conversation it continues, if any)."""

    site_key: SafeText = Field(..., max_length=100)
    resume: str | None = Field(None, max_length=2000, description=(
        f"A token this widget got earlier for the same site key (expired too, up to {RESUME_DAYS} days): "
        "continues its conversation. Without it, or when it does not check out, a new conversation starts."))
    user_id: SafeText | None = Field(None, min_length=1, max_length=200, description=(
        "The website's signed-in customer (data-user-id): their conversation, on any device."))
    user_hash: SafeText | None = Field(None, max_length=200, description=(
        "Hex HMAC-SHA256 of user_id with the site key's identity secret, computed by the website's backend."))


class WidgetChat(BaseModel):
    """A customer's message from the widget."""

    message: SafeText
    stream: bool = Field(False, description="Answer as server-sent events: token, sources, done, error.")


class WidgetFeedback(BaseModel):
    """Thumbs up or down on an answer of the token's conversation."""

    rating: Literal["up", "down"]
    comment: SafeText = Field("", max_length=2000)
    turn: int | None = Field(None, ge=0)


class WidgetHandoff(BaseModel):
    """The customer asks for a person."""

    contact: SafeText = Field("", max_length=500)
    message: SafeText = Field("", max_length=4000)


router = APIRouter()
_sites = APIRouter(prefix="/api/v1/site-keys", dependencies=[Depends(require_admin)], tags=["site keys"],
                   responses={400: ERR, 401: ERR, 404: ERR})
_bearer = HTTPBearer(auto_error=False, description="A widget token from /api/v1/widget/session.")


@router.get("/widget.js", include_in_schema=False)
def script(request: Request) -> Response:
    """The widget's script, cached by ETag and gzipped when the browser takes it."""
    body, packed, etag = _script(WIDGET_JS.stat().st_mtime_ns)
    headers = {"ETag": etag, "Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*",
               "X-Content-Type-Options": "nosniff", "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        body, headers["Content-Encoding"] = packed, "gzip"
    return Response(body, media_type="application/javascript; charset=utf-8", headers=headers)


# -- admin: site keys ------------------------------------------------------------------------

@_sites.post("", status_code=201)
def create_key(body: SiteKeyRequest, service: ServiceDep, staff: StaffDep) -> dict[str, Any]:
    """Create a public site key for a website, limited to its origins, answering as one bot."""
    bot = service.bots.resolve(body.bot) if body.bot else "default"
    made = service.site_keys.create(body.name, body.origins, body.daily_budget, bot)
    service.audit.record(staff.name, "site-key.create", made["id"], {"name": made["name"], "origins": made["origins"],
                                                                    "bot": bot})
    return made


@_sites.get("")
def list_keys(service: ServiceDep, revoked: bool = False) -> dict[str, Any]:
    """Active site keys (and revoked ones with ``?revoked=true``)."""
    return {"site_keys": service.site_keys.list(include_revoked=revoked)}


@_sites.post("/{key_id}/identity-secret")
def rotate_secret(key_id: str, service: ServiceDep) -> dict[str, Any]:
    """A new identity secret for signed-in customers (shown this once; the old one stops working)."""
    return service.site_keys.rotate_secret(key_id)


@_sites.put("/{key_id}/appearance")
def set_appearance(key_id: str, body: Appearance, service: ServiceDep) -> dict[str, Any]:
    """How the widget looks on the key's websites (every field checked; left out: its default)."""
    appearance = body.model_dump()
    service.site_keys.set_appearance(key_id, appearance)
    return {"id": key_id, "appearance": appearance}


@_sites.delete("/{key_id}")
def revoke_key(key_id: str, service: ServiceDep, staff: StaffDep) -> dict[str, Any]:
    """Revoke a site key: its tokens stop working at once."""
    service.site_keys.revoke(key_id)
    service.audit.record(staff.name, "site-key.revoke", key_id)
    return {"id": key_id, "status": "revoked"}


router.include_router(_sites)


# -- the widget ------------------------------------------------------------------------------

def authorized(request: Request, service: ServiceDep,
               credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> dict[str, Any]:
    """The token's claims and site key: 401 without a valid token, 403 for a revoked key or another origin."""
    if credentials is None:
        raise HTTPException(401, "a widget token is required (Authorization: Bearer <token>)")
    return token_claims(request, service, credentials.credentials)


def token_claims(request: Request, service, token: str) -> dict[str, Any]:
    """The claims and site key of a widget ``token`` (from the header, or the event stream's query)."""
    keys = service.site_keys
    try:
        claims = keys.verify(token)
    except BadToken as exc:
        raise HTTPException(401, str(exc)) from exc
    key = keys.get(claims["key_id"])
    if key is None:
        raise HTTPException(403, "this site key was revoked")
    _check_origin(keys, key, request)
    if service.storage.conversations.session_owner(claims["session_id"]) != _owner(key):
        raise HTTPException(401, "this token's conversation is unknown: get a new token from "
                                 "/api/v1/widget/session")
    return {**claims, "key": key}


Authorized = Annotated[dict[str, Any], Depends(authorized)]


@router.post("/api/v1/widget/session", tags=["widget"], responses={400: ERR, 403: ERR, 429: ERR})
def session(body: SessionRequest, request: Request, service: ServiceDep) -> dict[str, Any]:
    """Trade a site key for a short-lived token (403 unless the page's Origin is allowed)."""
    keys = service.site_keys
    key = keys.find(body.site_key)
    if key is None:
        raise HTTPException(403, "unknown or revoked site key")
    _check_origin(keys, key, request)
    service.limiter.count(f"w-token:{client_of(request)}", service.settings.widget.tokens_per_minute)
    talks, user = service.storage.conversations, _verified_user(keys, key, body)
    if user is not None:  # the customer's own conversation, whatever device asks
        sid = talks.user_session(_owner(key), user) or talks.start_session(_owner(key), user, key["bot"])
    else:
        sid = _resumed(service, body.resume, key) or talks.start_session(_owner(key), bot=key["bot"])
    token, ttl = keys.mint(key, sid, service.settings.widget.token_ttl_s)
    return {"token": token, "expires_in": ttl, "session_id": sid, "user_id": user}


@router.get("/api/v1/widget/config", tags=["widget"], responses={403: ERR, 429: ERR})
def config(site_key: Annotated[str, Query(max_length=100)], request: Request, service: ServiceDep,
           response: Response) -> dict[str, Any]:
    """The site key's appearance and its bot's persona (display name, title and greeting per
    language), read by widget.js as the page loads (403 unless the Origin is allowed)."""
    key = service.site_keys.find(site_key)
    if key is None:
        raise HTTPException(403, "unknown or revoked site key")
    _check_origin(service.site_keys, key, request)
    # one call a page view: three times the tokens a client address may get
    service.limiter.count(f"w-config:{client_of(request)}", 3 * service.settings.widget.tokens_per_minute)
    response.headers["Cache-Control"] = "private, max-age=60"
    return {"appearance": {**DEFAULT, **key["appearance"]}, "identity": key["identity"],
            "bot": _persona(service, key["bot"])}


@router.post("/api/v1/widget/chat", tags=["widget"],
             responses={200: {"content": {"text/event-stream": {}}}, 400: ERR, 401: ERR, 403: ERR,
                        429: ERR, 503: ERR})
async def chat(body: WidgetChat, request: Request, service: ServiceDep, auth: Authorized):
    """Answer a message in the token's conversation (as server-sent events with ``stream``)."""
    w, key, sid = service.settings.widget, auth["key"], auth["session_id"]
    budget = w.daily_messages if key["daily_budget"] is None else key["daily_budget"]
    client = client_of(request)

    def admit() -> None:
        service.limiter.count(f"w-session:{sid}", w.session_per_minute)
        service.limiter.count(f"w-ip:{client}", w.ip_per_minute)
        if budget:  # one address gets a small share of the day's budget, not all of it
            service.limiter.count(f"w-day-ip:{key['id']}:{client}", math.ceil(budget * w.ip_daily_share), 86400)
        if budget == 0:
            raise BudgetSpent(60)
        try:
            service.limiter.count(f"w-day:{key['id']}", budget, 86400)
        except RateLimited as exc:
            raise BudgetSpent(exc.retry_after) from exc

    return await chat_turn(service, body.message, body.stream, admit=admit, session=lambda: sid, bot=key["bot"])


@router.post("/api/v1/widget/feedback", tags=["widget"], status_code=201,
             responses={400: ERR, 401: ERR, 403: ERR, 404: ERR})
def feedback(body: WidgetFeedback, request: Request, service: ServiceDep, auth: Authorized) -> dict[str, Any]:
    """Thumbs up or down on an answer of the token's conversation (the last one by default)."""
    fid = service.feedback(auth["session_id"], body.rating, body.comment, body.turn, owner=_owner(auth["key"]),
                        client=client_of(request))
    return {"id": fid, "status": "recorded"}


@router.post("/api/v1/widget/handoff", tags=["widget"], status_code=201,
             responses={400: ERR, 401: ERR, 403: ERR, 429: ERR})
def handoff(body: WidgetHandoff, request: Request, service: ServiceDep, auth: Authorized) -> dict[str, Any]:
    """Ask for a person: the conversation goes to the support team (and the hand-off webhook)."""
    return service.handoff(auth["session_id"], body.contact, body.message, owner=_owner(auth["key"]),
                        client=client_of(request))


@router.get("/api/v1/widget/history", tags=["widget"], responses={401: ERR, 403: ERR})
def history(service: ServiceDep, auth: Authorized) -> dict[str, Any]:
    """The token's conversation so far, so that a reloaded page shows it again: the bot's turns and
    the live events (a person's messages, who joined and left), each with its time."""
    sid = auth["session_id"]
    turns = service.storage.feedback.transcript(sid)
    events = [e for e in service.storage.live.events(sid) if e["kind"] != "bot_message"]
    return {"session_id": sid, "state": service.storage.live.state(sid)["state"],
            "turns": [{k: t[k] for k in ("question", "answer", "refused", "canned", "sources", "feedback", "at")}
                      for t in turns],
            "events": [{k: e[k] for k in ("id", "kind", "author", "name", "text", "at")} for e in events]}


def _verified_user(keys: SiteKeys, key: dict[str, Any], body: SessionRequest) -> str | None:
    """The request's customer id when its hash checks out; None when it names none; 403 otherwise."""
    if body.user_id is None and not body.user_hash:
        return None
    if not key["identity"]:
        raise HTTPException(403, "this site key has no identity secret, so signed-in customers cannot be "
                                 "verified: rotate one in (admin console, Website widget) or leave out "
                                 "data-user-id")
    if body.user_id is None or not body.user_hash:
        raise HTTPException(403, "a signed-in customer needs both user_id and user_hash (the id's "
                                 "HMAC-SHA256 with the site key's identity secret)")
    if not keys.check_user(key, body.user_id, body.user_hash):
        raise HTTPException(403, "user_hash does not match user_id: compute it on the website's server as "
                                 "the hex HMAC-SHA256 of the id with the site key's identity secret")
    return body.user_id


def _resumed(service, token: str | None, key: dict[str, Any]) -> str | None:
    """The anonymous conversation of an earlier token of ``key`` (expired too, within RESUME_DAYS),
    or None (a signed-in customer's conversation is resumed only with their verified id)."""
    if not token:
        return None
    try:
        claims = service.site_keys.verify(token, expired_ok_s=RESUME_DAYS * 86400)
    except BadToken:
        return None
    sid = claims["session_id"]
    talks = service.storage.conversations
    same = claims["key_id"] == key["id"] and talks.session_owner(sid) == _owner(key)
    return sid if same and talks.session_user(sid) is None else None


def _persona(service, bot: str) -> dict[str, Any]:
    """What the widget shows of the key's bot: its name, display name and its persona's own title and
    greeting per language (widget.js falls back to the catalogue's for any it lacks)."""
    persona = service.bots.persona(bot)
    texts = {lang: {k: v for k, v in own.items() if k in ("title", "greeting")} for lang, own in persona.texts.items()}
    return {"name": service.bots.public_name(bot), "display_name": persona.display_name,
            "texts": {lang: own for lang, own in texts.items() if own}}


def _owner(key: dict[str, Any]) -> str:
    """The owner of conversations started through a site key."""
    return f"widget:{key['id']}"


@functools.lru_cache(maxsize=2)
def _script(_mtime: int) -> tuple[bytes, bytes, str]:
    """widget.js with its texts filled in, as (bytes, gzipped bytes, ETag); read again only when
    the file changes."""
    served = {"texts": {lang: {key: texts[key] for key in WIDGET_TEXTS} for lang, texts in TEXTS.items()},
              "cjk": CJK_RANGES}
    body = WIDGET_JS.read_bytes().replace(_SERVED, json.dumps(served, separators=(",", ":")).encode("ascii"), 1)
    return body, gzip.compress(body, 9, mtime=0), '"' + hashlib.sha256(body).hexdigest()[:16] + '"'


def _check_origin(keys: SiteKeys, key: dict[str, Any], request: Request) -> None:
    origin = request.headers.get("origin")
    if not origin:
        raise HTTPException(403, "the widget must be used from a web page (the request has no Origin header)")
    if not keys.allows(key, origin):
        raise HTTPException(403, f"this site key may not be used on {origin}: add the origin to the key "
                                 "in the admin console")


class WidgetCors:
    """CORS for ``/api/v1/widget/*``: allowed only for origins some active site key lists.

    Each endpoint still checks the origin against the token's own key; this middleware only lets
    the browser read the answer (and answers the preflight that ``Authorization`` causes).
    """

    def __init__(self, app, keys: SiteKeys):
        self.app, self.keys = app, keys

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith(_PREFIX):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        origin = headers.get("origin")
        allowed = bool(origin) and await anyio.to_thread.run_sync(self.keys.any_allows, origin)
        cors = [(b"access-control-allow-origin", origin.encode("latin-1")), (b"vary", b"Origin"),
                (b"access-control-expose-headers", b"Retry-After")] if allowed else [(b"vary", b"Origin")]
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            status = 204 if allowed else 403
            extra = [(b"access-control-allow-methods", b"GET, POST, OPTIONS"),
                     (b"access-control-allow-headers", b"Authorization, Content-Type"),
                     (b"access-control-max-age", b"600")] if allowed else []
            await send({"type": "http.response.start", "status": status, "headers": cors + extra})
            await send({"type": "http.response.body", "body": b""})
            return

        async def with_cors(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": list(message.get("headers", [])) + cors}
            await send(message)

        await self.app(scope, receive, with_cors)
