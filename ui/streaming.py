"""One answer computed in a worker thread and consumed from async code (the chat turn of the API and the widget).

The Bot streams from a blocking generator; running it on its own thread keeps the event loop free,
and a client that goes away sets a flag that stops the answer at its next token, giving the
answer slot back at once.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import threading
from collections.abc import AsyncIterator
from typing import Any

from bot.bot import Event

__all__ = ["AnswerRun", "sse"]

_END = object()


class AnswerRun:
    """Runs ``service.answer_stream`` on a thread; iterate :meth:`events` to receive its events."""

    def __init__(self, service, question: str, session_id: str | None, history: list | None = None,
                 bot: str = "default"):
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue = asyncio.Queue()
        self.cancelled = threading.Event()
        # The copied context carries the request id into the answer's log lines.
        self._thread = threading.Thread(target=contextvars.copy_context().run,
                                        args=(self._work, service, question, session_id, history, bot), name="answer",
                                        daemon=True)
        self._thread.start()

    def _put(self, item: Any) -> None:
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)
        except RuntimeError:  # the event loop is gone (server shutting down)
            self.cancelled.set()

    def _work(self, service, question: str, session_id: str | None, history: list | None, bot: str) -> None:
        try:
            for event in service.answer_stream(question, session_id, self.cancelled, history, bot):
                self._put(event)
        except BaseException as exc:  # handed to the consumer, which translates it
            self._put(exc)
        finally:
            self._put(_END)

    async def events(self) -> AsyncIterator[Event]:
        """The answer's events; exceptions of the worker are raised here."""
        try:
            while True:
                item = await self._queue.get()
                if item is _END:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self.cancelled.set()


def sse(kind: str, data: Any) -> str:
    """One server-sent event."""
    return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
