"""The bot behind the OpenAI API: ``POST /v1/chat/completions`` (streamed or not), ``GET /v1/models``.

Chat front ends, automation tools and SDKs that speak OpenAI's chat API use the bot as a model:
the model is the bot's name, the last user message the question, earlier user and assistant
messages its history (``ui/openai_shapes.py``). Requests carry an API key (``Authorization:
Bearer hd-…``, ``ui/storage/api_keys.py``) scoped to one bot. A message goes through the chat
API's turn (``ui/turn.py``): the same message check, rate limit per client address, gate and
records, in a conversation owned by ``openai:<key id>`` (continued with the ``X-Session-Id`` a
response returned, else a new one per request).

The answer's text carries its ``[n]`` citations; ``sources`` (and ``helpdesk``: refused, canned,
session_id) ride beside the choices, on the last chunk when streamed. Errors use OpenAI's shape
``{"error": {"message", "type", "param", "code"}}`` (the SDKs read it), with the statuses of
``ui/errors.py``'s one table.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bot.texts import text
from knowledge.lang import detect_language

from .deps import ServiceDep, client_of
from .errors import error_response, status_of
from .gate import Busy
from .openai_shapes import (CompletionRequest, ModelNotFound, Unsupported, chunk, completion, completion_id,
                            error_body, question_and_history)
from .storage.api_keys import BadApiKey
from .turn import start_answer

__all__ = ["router", "OWNER_PREFIX", "openai_error", "error_body", "bot_names"]

log = logging.getLogger("helpdesk.api")

OWNER_PREFIX = "openai:"  # conversations are owned by "openai:<key id>"


def openai_error(exc: BaseException) -> JSONResponse:
    """``exc`` as OpenAI's error JSON, with the status ``ui/errors.py`` gives its kind."""
    if isinstance(exc, RequestValidationError):
        parts = []
        for e in exc.errors():
            where = ".".join(str(x) for x in e.get("loc", ()) if x != "body")
            parts.append(f"{where}: {e.get('msg')}" if where else str(e.get("msg")))
        return JSONResponse(error_body(400, "; ".join(parts) or "invalid request"), status_code=400)
    if isinstance(exc, HTTPException):
        return JSONResponse(error_body(exc.status_code, str(exc.detail)), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))
    plain = error_response(exc, "en")  # the table's status and a message that gives nothing internal away
    if status_of(exc) == 500:  # the details stay in the log
        log.error("openai api failed: %s", exc, exc_info=exc)
    code = ("unsupported" if isinstance(exc, Unsupported) else "model_not_found" if isinstance(exc, ModelNotFound)
            else "busy" if isinstance(exc, Busy) else None)
    body = error_body(plain.status_code, json.loads(plain.body)["error"], code)
    headers = {"Retry-After": plain.headers["retry-after"]} if "retry-after" in plain.headers else None
    return JSONResponse(body, status_code=plain.status_code, headers=headers)


class _OpenAIRoute(APIRoute):
    """A route whose every error, the request's validation included, answers in OpenAI's shape."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:  # translated at this edge, as ui/errors.py does for /api/v1
                return openai_error(exc)

        return route


_bearer = HTTPBearer(auto_error=False, description="An API key (helpdesk keys add NAME).")


def api_key(service: ServiceDep,
            credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> dict[str, Any]:
    """The active API key the request presents (401 without one)."""
    try:
        return service.storage.api_keys.check(credentials.credentials if credentials else None)
    except BadApiKey as exc:
        raise HTTPException(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from None


KeyDep = Annotated[dict[str, Any], Depends(api_key)]

router = APIRouter(prefix="/v1", route_class=_OpenAIRoute, tags=["openai"])


def bot_names(settings, bots) -> list[str]:
    """The bots this server answers as, the models of /v1: the default (``HELPDESK_BOT_NAME``) and
    every bot of ``bots`` (the BotStore, ``helpdesk bots``)."""
    return [settings.bot_name] + [b["name"] for b in bots.list()]


def _bots(service) -> list[str]:
    return bot_names(service.settings, service.storage.bots)


def _model(service, key: dict[str, Any], name: str) -> dict[str, Any]:
    if name not in _bots(service) or name != key["bot"]:
        raise ModelNotFound(f"the model {name[:200]!r} does not exist or this API key may not use it "
                            "(GET /v1/models lists the models of this key)")
    return {"id": name, "object": "model", "created": int(service.started_at), "owned_by": "helpdesk"}


@router.get("/models")
def models(service: ServiceDep, key: KeyDep) -> dict[str, Any]:
    """The models (bots) this API key may use."""
    return {"object": "list",
            "data": [_model(service, key, key["bot"])] if key["bot"] in _bots(service) else []}


@router.get("/models/{model}")
def model(model: str, service: ServiceDep, key: KeyDep) -> dict[str, Any]:
    """One model (bot), if this API key may use it."""
    return _model(service, key, model)


@router.post("/chat/completions", responses={200: {"content": {"text/event-stream": {}}}})
async def chat_completions(body: CompletionRequest, request: Request, service: ServiceDep, key: KeyDep,
                           x_session_id: Annotated[str | None, Header(max_length=64)] = None) -> Response:
    """The bot's answer to the last user message, as a chat completion or a stream of chunks."""
    body.check_supported()
    name = _model(service, key, body.model)["id"]
    service.require_bot()
    bot = service.bots.resolve(name)  # the bot the key belongs to: its knowledge, persona and sessions
    question, history = question_and_history(body.messages, service.settings.max_question_chars)
    question = service.check_message(question)
    client, owner = client_of(request), OWNER_PREFIX + key["id"]
    session_id, first, events = await start_answer(
        service, question, admit=lambda: service.limiter.check(client),
        session=lambda: service.open_session(x_session_id, owner, bot), history=history, bot=bot)
    headers = {"X-Session-Id": session_id}
    cid = completion_id()
    if body.stream:
        return StreamingResponse(_chunks(cid, name, first, events, detect_language(question)),
                                 media_type="text/event-stream",
                                 headers={**headers, "Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    answer = first.data if first.kind == "done" else None
    async for event in events:
        if event.kind == "done":
            answer = event.data
    if answer.error:
        return JSONResponse(error_body(503, answer.answer, "model_error"), status_code=503,
                            headers={**headers, "Retry-After": "5"})
    return JSONResponse(completion(cid, name, answer), headers=headers)


async def _chunks(cid: str, model: str, first, events, lang: str) -> AsyncIterator[str]:
    """The answer as ``data: {chunk}`` lines, ending ``data: [DONE]``. Text the Bot takes back after
    streaming it (tidied, or a late refusal) cannot be unsent: the last chunk then carries
    ``replace``, the whole answer, as the chat API's ``replace`` event does."""
    def line(data: dict[str, Any]) -> str:
        return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

    yield line(chunk(cid, model, {"role": "assistant", "content": ""}))
    streamed, pending = "", ""
    try:
        async for event in _chain(first, events):
            if event.kind == "token" and event.data:
                # Whitespace waits for the text after it: the answer is stripped at its ends.
                pending += event.data
                piece = pending.rstrip() if streamed else pending.strip()
                if piece:
                    pending = pending[pending.index(piece) + len(piece):]
                    streamed += piece
                    yield line(chunk(cid, model, {"content": piece}))
            elif event.kind == "queued":
                yield f": queued, {event.data} ahead\n\n"  # a comment: keeps the connection alive
            elif event.kind == "error":
                yield line(error_body(503, event.data, "model_error"))
                return
            elif event.kind == "done":
                answer, extra = event.data, {}
                if answer.answer.startswith(streamed):
                    rest = answer.answer[len(streamed):]
                    if rest:
                        yield line(chunk(cid, model, {"content": rest}))
                else:
                    extra["replace"] = answer.answer
                yield line(chunk(cid, model, {}, "stop", answer, **extra))
        yield "data: [DONE]\n\n"
    except Busy as exc:
        yield line(error_body(503, text("busy", lang), "busy") | {"retry_after": exc.retry_after})
    except Exception as exc:  # after the headers went out, an error can only be a line
        log.exception("streaming failed: %s", exc)
        yield line(error_body(500, text("error", lang)))
    finally:
        await events.aclose()


async def _chain(first, rest):
    yield first
    async for item in rest:
        yield item


@router.api_route("/{path:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"], include_in_schema=False)
def unknown(path: str) -> JSONResponse:
    """404 in OpenAI's shape for any other path under /v1 (the chat page mounted at / would answer HTML)."""
    return JSONResponse(error_body(404, f"no such endpoint: /v1/{path[:200]}"), status_code=404)

