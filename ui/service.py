"""The Service: the one object the chat page, the admin console and the API share.

It holds the Bot (once loaded), the admission gate, the rate limiter, admin credentials, the
server's storage and the knowledge admin, and it owns the server's life cycle: it starts
``loading`` (the port is open, health says 503), becomes ``ready`` once models and store are
loaded, or ``failed`` with the reason.

    >>> service = Service.from_settings(Settings())
    >>> service.load()                      # builds the Bot, adds the demo help center if empty
    >>> for event in service.answer_stream("How long do refunds take?", None):
    ...     print(event.kind, event.data)
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from bot.bot import Event
from bot.conversation import Turn, check_session_id, short_id
from bot.messages import check_message, check_text
from bot.settings import Settings, reveal
from knowledge.errors import HelpdeskError, InputError, NotFound
from knowledge.lang import detect_language

from .auth import AdminAuth
from .bots import Bots
from .errors import NotReady
from .gate import Busy, Gate, RateLimiter
from .handoff import WebhookSender, handoff_payload
from .knowledge_admin import KnowledgeAdmin
from .livechat import LiveChat
from .metrics import Metrics
from .scheduler import Scheduler
from .sources import SourceSync
from .staff import StaffAccounts
from .storage import DEFAULT_BOT, Storage

__all__ = ["Service", "NotReady"]

log = logging.getLogger("helpdesk.ui")


class Service:
    """Everything the server's pages and endpoints need, around one Bot."""

    def __init__(self, settings: Settings, storage: Storage, bot=None):
        self.settings, self.storage = settings, storage
        s = settings.server
        self.gate = Gate(s.concurrency, s.queue_size, s.queue_timeout_s)
        self.limiter = RateLimiter(storage.counters, s.rate_limit_per_minute)
        self.auth = AdminAuth(storage.secrets, storage.logins, users=storage.users, user=s.admin_user,
                              password=reveal(settings.admin_password),
                              api_key=reveal(settings.admin_api_key), free_attempts=s.login_attempts,
                              backoff_s=s.login_backoff_s)
        self.bots = Bots(settings, storage, self)
        self.staff = StaffAccounts(storage.users, self.auth, storage.audit, session_s=s.session_hours * 3600,
                                   bots=self.bots)
        self.knowledge_admin = KnowledgeAdmin(self)  # the default bot's; others': self.bots.admin(name)
        self.site_keys = storage.site_keys
        self.audit = storage.audit  # record(actor, action, target="", detail=None)
        self.webhook = (WebhookSender(reveal(s.handoff_webhook_url), reveal(s.handoff_webhook_secret),
                                      storage.handoffs)
                        if s.handoff_webhook_url else None)
        self.scheduler = Scheduler(storage.jobs)  # started by serve() once the Bot is loaded
        if days := settings.privacy.retention_days:  # one replica a day erases what is past the period
            self.scheduler.add("retention", every_s=86400, run=partial(storage.erasure.retain, days))
        self.metrics = Metrics(self.gate, enabled=s.metrics)
        self.live = LiveChat(storage.live, settings.handoff, storage.feedback, audit=self.audit)
        self.sources = SourceSync(storage, settings, lambda: self.require_bot().knowledge, self.scheduler)
        self.bot = bot
        self.state, self.error = ("ready", None) if bot is not None else ("loading", None)
        self.started_at = time.time()

    @classmethod
    def from_settings(cls, settings: Settings) -> Service:
        """A Service on the configured database (upgraded to the newest schema); the Bot is loaded later
        by :meth:`load`."""
        return cls(settings, Storage.from_settings(settings))

    # -- life cycle --------------------------------------------------------------------------

    def load(self, build: Callable[..., Any] | None = None) -> None:
        """Load models and store; seed the demo knowledge base when it is empty."""
        try:
            if build is None:
                from bot.factory import build_bot

                build = partial(build_bot, conversations=self.storage.conversations)
            bot = build(self.settings, progress=False)
            self.bot = bot
            self.knowledge_admin.on_load()
            self.state = "ready"
            log.info("ready: %d documents", len(bot.knowledge.documents()))
        except Exception as exc:
            self.state, self.error = "failed", f"{type(exc).__name__}: {exc}"  # for the log and CLI only
            log.exception("loading failed")
            raise

    def require_bot(self):
        """The Bot, or NotReady while it is loading or after loading failed."""
        if self.state != "ready":  # the reason is in the server's log, not for visitors
            raise NotReady("the assistant is still starting; try again in a moment"
                           if self.state == "loading" else "the assistant failed to start; try again later")
        return self.bot

    def health(self) -> tuple[int, dict[str, Any]]:
        """(HTTP status, body): 200 only when models and store are loaded and the store answers.

        The body is public: it says what state the server is in, never why (hosts, exception text
        and paths go to the server's log)."""
        body: dict[str, Any] = {"status": self.state, "uptime_s": round(time.time() - self.started_at, 1)}
        if self.state != "ready":
            if self.state == "failed":
                body["error"] = "the assistant failed to start (the reason is in the server's log)"
            return 503, body
        try:
            docs = self.bot.knowledge.documents()
        except HelpdeskError as exc:
            log.warning("health: the knowledge store does not answer: %s", exc)
            return 503, {**body, "status": "unavailable", "error": "the knowledge store is unavailable"}
        body.update(documents=len(docs), chunks=sum(d.chunks for d in docs),
                    generator=self.bot.generator.name, embedder=self.bot.knowledge.embedder_name,
                    answering=self.gate.active, waiting=self.gate.waiting)
        return 200, body

    # -- answering ---------------------------------------------------------------------------

    def check_message(self, message: Any) -> str:
        """The message as the Bot answers it, or InputError (``bot/messages.py``). A NUL is refused
        here rather than turned into a space, as in every other text a visitor sends."""
        if isinstance(message, str):
            check_text(message, "the message")
        return check_message(message, self.settings.max_question_chars)

    def answer_stream(self, question: str, session_id: str | None,
                      cancelled: threading.Event | None = None, history: list[Turn] | None = None,
                      bot: str = DEFAULT_BOT) -> Iterator[Event]:
        """Bot ``bot``'s events for one answer; its model calls go through the gate (:meth:`admission`).
        ``history`` (the caller's earlier turns, as the OpenAI API's messages give them) replaces the
        session's own.

        An answer that calls the model waits for a slot first: ``queued`` events say how many
        answers are ahead, and Busy is raised at once when the queue is full, or after
        ``queue_timeout_s`` of waiting. Canned, refused and quoted answers never wait.
        """
        bot = self.bots.get(bot)
        if history is not None:
            from bot.runnable import with_history

            bot = with_history(bot, history)
        t0 = time.monotonic()
        stream = bot.stream(question, session_id, admit=self.admission)
        try:
            for event in stream:
                if event.kind == "done":
                    self.metrics.answered(event.data)
                    if event.data.error:
                        self._record_error(question, event.data.session_id, event.data.timings_ms)
                    else:
                        self.live.bot_answered(event.data.session_id, event.data.answer)
                yield event
                if cancelled is not None and cancelled.is_set():
                    return
        except (InputError, Busy):
            raise
        except Exception:
            if session_id is not None:
                self._record_error(question, session_id, {"total": (time.monotonic() - t0) * 1000})
            raise
        finally:
            stream.close()

    @contextmanager
    def admission(self) -> Iterator[Iterator[Event]]:
        """A slot of the gate for one answer's model calls (the Bot's ``admit``, ``bot/bot.py``).

        Joining raises Busy when the queue is full; iterating what it gives waits for the slot,
        yielding a ``queued`` event (answers ahead) about every second, and raises Busy after
        ``queue_timeout_s``. The slot, or the place in the queue, is given back on leaving."""
        gate = self.gate
        ticket = gate.join()
        taken: float | None = None

        def waiting() -> Iterator[Event]:
            nonlocal taken
            joined = time.monotonic()
            deadline = joined + gate.timeout_s
            while (ahead := gate.wait(ticket, min(1.0, max(0.0, deadline - time.monotonic())))) is not None:
                if time.monotonic() >= deadline:
                    raise Busy(gate.estimate(ahead))
                yield Event("queued", ahead + gate.active)
            taken = time.monotonic()
            self.metrics.waited(taken - joined)

        try:
            yield waiting()
        finally:  # a free slot is taken by joining (ticket < 0), a queued one by waiting
            gate.leave(ticket, started=ticket < 0 or taken is not None)
            if taken is not None:
                gate.record(time.monotonic() - taken)

    def _record_error(self, question: str, session_id: str, timings: dict[str, float]) -> None:
        """Keep a failed answer as an ``error`` turn, for insights (never part of the history)."""
        try:
            self.storage.conversations.add(session_id, Turn(question, question, "", lang=detect_language(question),
                                                            timings_ms=dict(timings), error=True))
        except Exception as exc:  # the record must not hide the failure being recorded
            log.warning("the failed answer was not recorded: %s", exc)

    # -- conversations, feedback and hand-offs ------------------------------------------------

    def open_session(self, session_id: str | None, owner: str, bot: str = DEFAULT_BOT) -> str:
        """The conversation to answer in: a new one of ``bot`` for ``owner`` (None), else ``session_id``
        if ``owner`` started it. Ids are chosen by the server; any other id is NotFound. Owners of
        another bot's conversations carry its name (``api:acme``), so no bot reaches another's."""
        if session_id is None:
            return self.storage.conversations.start_session(owner, bot=bot)
        return self.own(session_id, owner)

    def own(self, session_id: str, owner: str) -> str:
        """``session_id`` when ``owner`` started it; NotFound alike for unknown and foreign ones."""
        check_session_id(session_id)
        if self.storage.conversations.session_owner(session_id) != owner:
            raise NotFound("no such conversation: leave out session_id to start one, and use the "
                           "session_id the server returns")
        return session_id

    def feedback(self, session_id: str, rating: Any, comment: str = "", turn: int | None = None, *,
                 owner: str, client: str) -> int:
        """Record thumbs up or down on an answer of ``owner``'s conversation; returns the feedback id.

        Rate-limited per client address and per conversation, like chat messages."""
        self.own(session_id, owner)
        check_text(comment or "", "the comment")
        value = {"up": 1, "down": -1, "1": 1, "-1": -1, "like": 1, "dislike": -1,
                 True: 1, False: -1, 1: 1, -1: -1}.get(rating.lower() if isinstance(rating, str) else rating)
        if value is None:
            raise InputError("rating must be 'up' or 'down'")
        self.limiter.check(client, "feedback")
        self.limiter.count(f"feedback-session:{session_id}", self.limiter.per_minute)
        return self.storage.feedback.add(session_id, value, comment or "", turn)

    def comment(self, feedback_id: int, comment: str, *, client: str) -> None:
        """Attach a comment to a feedback record (the chat page's thumbs-down box)."""
        check_text(comment or "", "the comment")
        self.limiter.check(client, "feedback")
        self.storage.feedback.set_comment(feedback_id, comment)

    def handoff(self, session_id: str, contact: str = "", message: str = "", *, owner: str,
                client: str) -> dict[str, Any]:
        """Record a request for a person with the transcript; the webhook, if set, gets it soon after.

        Only ``owner``'s conversation with at least one answer can be handed off, at most
        ``handoffs_per_hour`` times an hour per client address and per conversation."""
        self.own(session_id, owner)
        check_text(contact or "", "the contact")
        check_text(message or "", "the message")
        if not self.storage.conversations.turn_count(session_id):
            raise InputError("this conversation has no answers yet: ask a question before asking for a person")
        per_hour = self.settings.server.handoffs_per_hour
        self.limiter.count(f"handoff:{client}", per_hour, 3600)
        self.limiter.count(f"handoff-session:{session_id}", per_hour, 3600)
        handoff = self.storage.handoffs.add(session_id, contact or "", message or "")
        self.metrics.handed_off()
        self.storage.conversations.mark_handoff(session_id)
        last = handoff["transcript"][-1]
        reason = ("refused" if last["refused"] else
                  "thumbs_down" if (last["feedback"] or {}).get("rating") == -1 else "asked")
        live = self.live.handed_off(session_id, reason, contact or "", detect_language(last["question"]),
                                    message or "")
        status = "off"
        if self.webhook is not None:
            status = "pending"
            self.storage.handoffs.set_delivery(handoff["id"], status)
            self.webhook.submit(handoff["id"], {**handoff_payload(handoff), "reason": reason,
                                                "available": live["available"], "reply_at": live["reply_at"]})
        log.info("hand-off #%s session=%s webhook=%s", handoff["id"], short_id(session_id), status)
        return {"id": handoff["id"], "session_id": session_id, "status": "recorded", "webhook": status,
                "turns": len(handoff["transcript"]), "reason": reason, **live}
