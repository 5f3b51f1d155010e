"""The server's logging: plain text or one JSON object per line, a request id on every line, an
access line per request, and personal data masked when redaction is on.

Every request gets an id: the client's ``X-Request-ID`` when it is sane (1-128 letters, digits and
``._:-``), else a new one; it comes back in the response's ``X-Request-ID`` header and stands in
each log line written while the request is served. Access lines name the method, the path (never
the query string, which may carry tokens), the status and the time taken.

    >>> configure_logging(settings)          # once, at server start
    >>> app.add_middleware(RequestLog, count=service.metrics.responded)
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from .redact import RedactFilter

__all__ = ["configure_logging", "JsonFormatter", "RequestLog", "request_id"]

request_id: ContextVar[str] = ContextVar("request_id", default="")

_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
access = logging.getLogger("helpdesk.access")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, request_id, and
    the exception's trace when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
                 + f".{int(record.msecs):03d}Z",
                 "level": record.levelname, "logger": record.name, "message": record.getMessage(),
                 "request_id": getattr(record, "request_id", "") or request_id.get()}
        for key in ("method", "path", "status", "duration_ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(settings) -> bool:
    """Set up the root logger for the server (once); True when lines are JSON (the access log is on)."""
    as_json = settings.log_format == "json"
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter() if as_json else logging.Formatter(_TEXT))
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    if settings.privacy.redact:
        for handler in root.handlers:
            if not any(isinstance(f, RedactFilter) for f in handler.filters):
                handler.addFilter(RedactFilter())
    access.disabled = not as_json
    return as_json


class RequestLog:
    """ASGI middleware: the request id (context, response header), an access line, a status count."""

    def __init__(self, app, count: Callable[[int], None] | None = None):
        self.app, self.count = app, count

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _SANE_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        started, status = time.perf_counter(), 500

        async def send_with_id(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*[h for h in message.get("headers", []) if h[0].lower() != b"x-request-id"],
                                      (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if self.count is not None:
                self.count(status)
            ms = round((time.perf_counter() - started) * 1000, 1)
            access.info("%s %s %d %.1f ms", scope["method"], scope["path"], status, ms,
                        extra={"method": scope["method"], "path": scope["path"], "status": status,
                               "duration_ms": ms, "request_id": rid})
            request_id.reset(token)
