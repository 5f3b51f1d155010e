"""One chat turn, the same for the HTTP API and the widget: check the message, count it against
the caller's limits, open the conversation, and answer as JSON or as server-sent events.

Each caller keeps its own way in (the API's session ids, the widget's tokens, origins and daily
budgets) and hands it over as two functions; what happens to a message once it is let in exists
only here, so both answer with the same shapes and the same errors.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable

from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from bot.bot import Event
from bot.texts import text
from knowledge.lang import detect_language

from .errors import error_response, refusal
from .gate import Busy, RateLimited
from .streaming import AnswerRun, sse

__all__ = ["chat_turn", "start_answer", "BudgetSpent"]

log = logging.getLogger("helpdesk.api")


class BudgetSpent(RateLimited):
    """A site key's messages for the day are used up."""


class _Held(Exception):
    """A person has the conversation (``ui/livechat.py``): the message went to them, not the bot."""

    def __init__(self, session_id: str, state: str):
        super().__init__(state)
        self.session_id, self.state = session_id, state


async def chat_turn(service, message: str, stream: bool, *, admit: Callable[[], None],
                    session: Callable[[], str], bot: str = "default") -> Response | dict:
    """Bot ``bot``'s answer to ``message`` in the conversation ``session()`` opens, once ``admit()``
    let it in.

    ``admit`` runs on a worker thread after the message is checked; it raises RateLimited (429,
    ``rate_limited``), BudgetSpent (429, ``budget_exhausted``) or any error of the tree. The answer
    is the ask object, or server-sent events with ``stream``; 503 when every slot is busy. While a
    person has the conversation the message goes to them and the answer is empty, with
    ``handoff``: ``waiting`` or ``agent``."""
    service.require_bot()
    message = service.check_message(message)
    lang = detect_language(message)

    def opened() -> str:
        session_id = session()
        if state := service.live.customer_message(session_id, message):
            raise _Held(session_id, state)
        return session_id

    try:
        _, first, events = await start_answer(service, message, admit=admit, session=opened, bot=bot)
    except _Held as held:
        body = {"answer": "", "refused": False, "canned": False, "sources": [], "timings_ms": {},
                "session_id": held.session_id, "handoff": held.state}
        if stream:
            return StreamingResponse(iter([sse("done", body)]), media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache"})
        return body
    except BudgetSpent as exc:
        return refusal(429, text("budget", lang), exc.retry_after, budget_exhausted=True)
    except RateLimited as exc:
        return error_response(exc, lang, rate_limited=True)
    except Busy as exc:
        return error_response(exc, lang)
    if stream:
        return StreamingResponse(_stream(first, events, lang), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    answer = first.data if first.kind == "done" else None
    try:
        async for event in events:
            if event.kind == "done":
                answer = event.data
    except Busy as exc:
        return error_response(exc, lang)
    if answer.error:
        return refusal(503, answer.answer, 5, session_id=answer.session_id)
    return answer.as_dict()


async def start_answer(service, message: str, *, admit: Callable[[], None], session: Callable[[], str],
                       history: list | None = None, bot: str = "default") -> tuple[str, Event, AsyncIterator[Event]]:
    """Let a checked ``message`` in, open its conversation and start answering it on a thread:
    (session id, first event, the events after it). Raises what ``admit`` and ``session`` raise, and
    Busy when every slot is taken; ``history`` replaces the session's own and ``bot`` names who
    answers (``Service.answer_stream``)."""
    await run_in_threadpool(admit)
    session_id = await run_in_threadpool(session)
    events = AnswerRun(service, message, session_id, history, bot).events()
    return session_id, await anext(events), events


async def _stream(first, events, lang: str) -> AsyncIterator[str]:
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
