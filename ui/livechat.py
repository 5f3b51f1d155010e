"""A person in the conversation: its states, the moves between them, and who is available.

    bot --handoff--> waiting --claim--> agent --release--> bot
                        |                 |
                        +----close--------+--> closed   (a closed conversation's next message goes to the bot)

While ``waiting`` or ``agent``, a customer's message goes to the person, not the bot: it becomes a
``customer_message`` event that the inbox shows (:meth:`LiveChat.customer_message`, called by the
one chat turn of the API and widget, ``ui/turn.py``, and by the chat page). An agent's claim,
messages, release and close become ``agent_joined``, ``agent_message``, ``agent_left`` and
``closed`` events on the conversation's stream (``ui/live_events.py``). Every replica reads the
same rows (``ui/storage/live.py``), so the customer and the agent may be on different ones.

A move that does not fit the state (claiming a conversation nobody handed off, releasing one
the bot has) raises :class:`WrongState`, HTTP 409.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from typing import Any

from bot.conversation import short_id
from bot.texts import text
from knowledge.errors import InputError, NotFound

from .hours import OpeningHours
from .storage import DEFAULT_BOT

__all__ = ["LiveChat", "WrongState", "TRANSITIONS", "next_state", "with_person", "REASONS"]

log = logging.getLogger("helpdesk.livechat")

# action -> {state it may start from: state it leads to}
TRANSITIONS: dict[str, dict[str, str]] = {
    "handoff": {"bot": "waiting", "closed": "waiting", "waiting": "waiting", "agent": "agent"},
    "claim": {"waiting": "agent"},
    "release": {"waiting": "bot", "agent": "bot"},
    "close": {"bot": "closed", "waiting": "closed", "agent": "closed"},
}
REASONS = ("asked", "refused", "thumbs_down")


class WrongState(InputError):
    """A hand-off move that does not fit the conversation's state (HTTP 409)."""


def next_state(state: str, action: str) -> str:
    """The state ``action`` leads to from ``state``, or WrongState saying why it cannot."""
    to = TRANSITIONS[action].get(state)
    if to is None:
        raise WrongState(f"cannot {action} a conversation that is {_described(state)}")
    return to


def with_person(state: str) -> bool:
    """Whether the customer's messages go to a person (waiting for one, or talking to one)."""
    return state in ("waiting", "agent")


def _described(state: str) -> str:
    return {"bot": "with the assistant (nobody asked for a person)", "waiting": "waiting for a person",
            "agent": "with a person", "closed": "closed"}.get(state, state)


class LiveChat:
    """The hand-off moves of the server, over the live store; one per Service."""

    def __init__(self, store, settings, feedback, audit=None):
        self.store, self.settings, self.feedback, self.audit = store, settings, feedback, audit
        try:
            self.hours = OpeningHours.parse(settings.hours) if settings.hours else None
        except InputError as exc:
            raise InputError(f"HELPDESK_HANDOFF__HOURS: {exc}") from None

    # -- availability ------------------------------------------------------------------------

    def available(self, now: float | None = None) -> bool:
        """Whether a person can answer now: within the opening hours (when set) and some staff member
        used the inbox within ``agent_idle_minutes`` (recorded in the database: every replica agrees)."""
        now = time.time() if now is None else now
        if self.hours is not None and not self.hours.is_open(datetime.fromtimestamp(now, timezone.utc)):
            return False
        seen = self.store.last_seen()
        return seen is not None and now - seen <= self.settings.agent_idle_minutes * 60

    def seen(self, name: str) -> None:
        """A staff member used the inbox: they count as available for a while."""
        self.store.seen(name)

    def reply_at(self, now: float | None = None) -> datetime | None:
        """When the opening hours next start (None without hours, or when they are open now)."""
        if self.hours is None:
            return None
        at = datetime.fromtimestamp(time.time() if now is None else now, timezone.utc)
        return None if self.hours.is_open(at) else self.hours.next_open(at)

    # -- the customer's side -------------------------------------------------------------------

    def handed_off(self, session_id: str, reason: str, contact: str, lang: str, message: str = "") -> dict[str, Any]:
        """The customer asked for a person: the conversation waits for one (a contact left while
        waiting is kept). Returns the state, whether someone is available, and what to tell the customer."""
        contact = (contact or "").strip()[:500]
        for _ in range(3):  # the state may change between reading and writing it (another replica)
            state = self.store.state(session_id)["state"]
            to = next_state(state, "handoff")
            if to == state:
                if contact:
                    self.store.update(session_id, contact=contact)
                break
            if self.store.change(session_id, state, to, reason=reason, contact=contact, claimed_by=""):
                break
        else:
            raise WrongState("the conversation changed meanwhile: try again")
        if message.strip():
            self.store.add_event(session_id, "customer_message", "customer", message.strip()[:4000])
        available = self.available()
        reply_at = None if available else self.reply_at()
        if available or to == "agent":
            notice = text("live_waiting", lang)
        else:
            when = (text("live_when_open", lang, time=reply_at.strftime("%a %H:%M ") + str(reply_at.tzinfo))
                    if reply_at else text("live_when_soon", lang))
            notice = text("live_later", lang, when=when)
        self.store.add_event(session_id, "waiting", "bot", notice)
        return {"state": to, "available": available, "reply_at": reply_at.isoformat() if reply_at else None,
                "notice": notice}

    def customer_message(self, session_id: str, message: str) -> str | None:
        """Route a customer's message: the state when a person has the conversation (the message
        is kept for them), None when the bot answers it."""
        state = self.store.state(session_id)["state"]
        if not with_person(state):
            return None
        self.store.add_event(session_id, "customer_message", "customer", message)
        return state

    def bot_answered(self, session_id: str, answer: str) -> None:
        """The bot answered in a conversation that was handed off before: its stream carries the answer too."""
        if self.store.state(session_id)["state_at"] is not None:
            self.store.add_event(session_id, "bot_message", "bot", answer)

    # -- the agent's side ----------------------------------------------------------------------

    def inbox(self, now: float | None = None, bots: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """Waiting and active conversations, the longest in their state first, each with the bot
        it belongs to (``default`` for the install's own); only those of ``bots`` when given (a
        staff member limited to some bots)."""
        now = time.time() if now is None else now
        return [{"session_id": r["session_id"], "state": r["state"], "reason": r["reason"],
                 "contact": r["contact"], "claimed_by": r["claimed_by"], "owner": r["owner"] or "",
                 "bot": r["bot"] or DEFAULT_BOT,
                 "waiting_s": round(now - r["state_at"], 1), "messages": r["n"] or 0,
                 "since": datetime.fromtimestamp(r["state_at"], timezone.utc).isoformat(timespec="seconds")}
                for r in self.store.open() if not bots or (r["bot"] or DEFAULT_BOT) in bots]

    def conversation(self, session_id: str, after: int = 0) -> dict[str, Any]:
        """The conversation for an agent: its state and record, the bot's turns (with cited sources)
        and every live event, in order; only events after ``after`` when given."""
        record = self.store.state(session_id)
        turns = [] if after else self.feedback.transcript(session_id)
        events = self.store.events(session_id, after)
        if not turns and not events and record["state_at"] is None and not after:
            raise NotFound(f"no conversation {session_id!r}")
        items: list[dict[str, Any]] = []
        for t in turns:
            items.append({"author": "customer", "kind": "question", "text": t["question"], "at": t["at"]})
            items.append({"author": "bot", "kind": "answer", "text": t["answer"], "at": t["at"],
                          "refused": t["refused"], "sources": t["sources"], "feedback": t["feedback"]})
        for e in events:
            if e["kind"] != "bot_message":  # the same answer is a turn already
                items.append({k: e[k] for k in ("id", "author", "kind", "name", "text", "at")})
        items.sort(key=lambda i: i["at"])  # stable: a turn stays before an event of the same second
        return {"session_id": session_id, "state": record["state"], "reason": record["reason"],
                "contact": record["contact"], "claimed_by": record["claimed_by"],
                "last_event": max([e["id"] for e in events], default=after), "items": items}

    def claim(self, session_id: str, name: str) -> dict[str, Any]:
        """An agent takes a waiting conversation (409 when it is not waiting)."""
        record = self.store.state(session_id)
        if record["state"] == "agent" and record["claimed_by"] == name:
            return self._moved(session_id)  # claiming twice is harmless
        to = next_state(record["state"], "claim")
        if not self.store.change(session_id, "waiting", to, claimed_by=name):
            raise WrongState("another agent claimed this conversation first")
        self.store.add_event(session_id, "agent_joined", "agent", name=name)
        self._audit(name, "claim", session_id)
        return self._moved(session_id)

    def reply(self, session_id: str, name: str, message: str) -> dict[str, Any]:
        """An agent's message to the customer (only by the agent who claimed the conversation)."""
        message = (message or "").strip()
        if not message:
            raise InputError("the message is empty")
        record = self.store.state(session_id)
        if record["state"] != "agent":
            raise WrongState(f"claim the conversation before writing: it is {_described(record['state'])}")
        if record["claimed_by"] != name:
            raise WrongState(f"{record['claimed_by']} has this conversation")
        event = self.store.add_event(session_id, "agent_message", "agent", message, name=name)
        self._audit(name, "reply", session_id, {"event": event, "chars": len(message)})  # no copy of the text
        return {"session_id": session_id, "id": event, "state": "agent"}

    def release(self, session_id: str, name: str) -> dict[str, Any]:
        """Give the conversation back to the bot (409 unless waiting or with a person)."""
        return self._leave(session_id, name, "release", "agent_left")

    def close(self, session_id: str, name: str) -> dict[str, Any]:
        """End the conversation (409 when it is closed already)."""
        return self._leave(session_id, name, "close", "closed")

    def _leave(self, session_id: str, name: str, action: str, kind: str) -> dict[str, Any]:
        record = self.store.state(session_id)
        if record["state"] == "bot" and record["state_at"] is None and action == "close":
            raise WrongState("cannot close a conversation nobody handed off")
        to = next_state(record["state"], action)
        if record["state"] == "agent" and record["claimed_by"] not in ("", name):
            raise WrongState(f"{record['claimed_by']} has this conversation")
        if not self.store.change(session_id, record["state"], to, claimed_by=""):
            raise WrongState("the conversation changed meanwhile: look again")
        self.store.add_event(session_id, kind, "agent", name=name)
        self._audit(name, action, session_id)
        log.info("live: %s %s session=%s", name, action, short_id(session_id))
        return self._moved(session_id)

    def _moved(self, session_id: str) -> dict[str, Any]:
        record = self.store.state(session_id)
        return {"session_id": session_id, "state": record["state"], "claimed_by": record["claimed_by"]}

    def _audit(self, actor: str, action: str, session_id: str, detail: dict | None = None) -> None:
        """Record an agent's move (``inbox.claim|release|close|reply``) in the audit log."""
        if self.audit is not None:
            self.audit.record(actor, f"inbox.{action}", target=session_id, detail=detail)
