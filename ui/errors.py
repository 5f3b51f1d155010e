"""Errors at the server's edge: one table from the exception tree to HTTP statuses, the JSON body
each error gets, and the polite chat message the chat page shows instead.

Every route's errors pass through :func:`install`'s handlers; the chat turn, the admin's upload
rows and the chat page ask the same table, so a kind of error has one status everywhere.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from bot.texts import text
from knowledge.errors import (FileTooLarge, HelpdeskError, InputError, NotFound, StoreUnavailable,
                              UnsupportedFile)

from .gate import Busy, RateLimited
from .livechat import WrongState

__all__ = ["NotReady", "STATUS", "status_of", "refusal", "error_response", "is_fault", "chat_message",
           "install"]

log = logging.getLogger("helpdesk.api")


class NotReady(HelpdeskError):
    """The models or the store are still loading (or failed to load)."""


# The first row whose class the error is an instance of gives its status (children before parents).
STATUS: list[tuple[type[BaseException], int]] = [
    (NotFound, 404), (WrongState, 409), (FileTooLarge, 413), (UnsupportedFile, 415), (InputError, 400), (RateLimited, 429),
    (Busy, 503), (NotReady, 503), (StoreUnavailable, 503), (HelpdeskError, 500),
]


def status_of(exc: BaseException) -> int:
    """The HTTP status of an error (500 for anything outside the table)."""
    return next((code for cls, code in STATUS if isinstance(exc, cls)), 500)


def refusal(status: int, message: str, retry_after: int | None = None, **extra) -> JSONResponse:
    """A JSON error ``{"error": message, **extra}`` with Retry-After when waiting helps."""
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return JSONResponse({"error": message, **extra}, status_code=status, headers=headers)


def error_response(exc: BaseException, lang: str = "en", **extra) -> JSONResponse:
    """The JSON error for ``exc``: its status from the table, a message that gives nothing internal away."""
    status = status_of(exc)
    if isinstance(exc, Busy):
        return refusal(status, text("busy", lang), exc.retry_after, busy=True, **extra)
    if isinstance(exc, RateLimited):
        return refusal(status, text("rate_limited", lang, seconds=exc.retry_after), exc.retry_after, **extra)
    if status == 500:  # the details (paths, hosts, exception text) stay in the log
        message = "internal error"
    elif isinstance(exc, StoreUnavailable):
        message = "the knowledge store is unavailable; try again in a moment"
    else:
        message = str(exc)
    return refusal(status, message, 10 if status == 503 else None, **extra)


def is_fault(exc: BaseException) -> bool:
    """Whether ``exc`` is the server's fault (worth a log entry), not the request's or the load's."""
    return not isinstance(exc, (InputError, RateLimited, Busy, NotReady))


def chat_message(exc: BaseException, lang: str) -> str:
    """What the chat page says instead of an answer when ``exc`` stopped it, in the customer's language."""
    if isinstance(exc, RateLimited):
        return text("rate_limited", lang, seconds=exc.retry_after)
    if isinstance(exc, Busy):
        return text("busy", lang)
    if isinstance(exc, NotReady):
        return text("starting", lang)
    if isinstance(exc, InputError):
        return str(exc)
    return text("error", lang)


def install(app: FastAPI) -> None:
    """Turn every error a route raises into ``{"error": "..."}`` with its status."""
    app.add_exception_handler(HelpdeskError, _known)
    app.add_exception_handler(Busy, _known)
    app.add_exception_handler(RateLimited, _known)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _crashed)


async def _known(request: Request, exc: Exception) -> JSONResponse:
    status = status_of(exc)
    if status == 500:
        log.error("%s %s failed: %s", request.method, request.url.path, exc)
    elif isinstance(exc, StoreUnavailable):
        log.warning("%s %s: %s", request.method, request.url.path, exc)
    return error_response(exc)


async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    parts = []
    for e in exc.errors():
        where = ".".join(str(x) for x in e.get("loc", ()) if x != "body")
        msg = str(e.get("msg")).removeprefix("Value error, ")
        parts.append(f"{where}: {msg}" if where else msg)
    return JSONResponse({"error": "; ".join(parts) or "invalid request"}, status_code=400)


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code,
                        headers=getattr(exc, "headers", None))


async def _crashed(request: Request, exc: Exception) -> JSONResponse:
    log.exception("%s %s crashed", request.method, request.url.path)
    return JSONResponse({"error": "internal error"}, status_code=500)
