"""Requests to talk to a person, each with the conversation's transcript as it was then, and the
website's verified customer id when the widget knew who the customer was (``session_owners.user_id``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, insert, select, update

from ._time import iso
from .feedback import Feedback
from .schema import handoffs, session_owners, sessions

__all__ = ["Handoffs", "transcript_text"]


class Handoffs:
    """Record hand-offs, their webhook delivery, and list the latest ones."""

    def __init__(self, engine: Engine, feedback: Feedback, mask: Callable[[str], str] = str):
        self.engine, self.feedback, self.mask = engine, feedback, mask

    def add(self, session_id: str, contact: str = "", message: str = "") -> dict[str, Any]:
        """Record a request to talk to a person, with the transcript; returns the hand-off.

        With redaction on, the stored contact, message and transcript are masked; the hand-off
        returned (what the webhook sends to the person who calls back) keeps what the customer wrote."""
        transcript = self.feedback.transcript(session_id)
        kept = [{**t, "question": self.mask(t["question"]), "answer": self.mask(t["answer"])} for t in transcript]
        now = time.time()
        with self.engine.begin() as conn:
            hid = conn.execute(insert(handoffs).values(
                session_id=session_id, contact=self.mask(contact.strip()[:500]),
                message=self.mask(message.strip()[:4000]),
                transcript=kept, webhook="off", webhook_error="", created_at=now,
            )).inserted_primary_key[0]
            user_id = conn.execute(select(session_owners.c.user_id)
                                   .where(session_owners.c.session_id == session_id)).scalar()
        return {"id": hid, "session_id": session_id, "user_id": user_id, "contact": contact.strip()[:500],
                "message": message.strip()[:4000], "transcript": transcript, "created_at": iso(now)}

    def set_delivery(self, handoff_id: int, status: str, error: str = "") -> None:
        """Record whether the hand-off webhook accepted the hand-off."""
        with self.engine.begin() as conn:
            conn.execute(update(handoffs).where(handoffs.c.id == handoff_id)
                         .values(webhook=status, webhook_error=error[:2000]))

    def latest(self, limit: int = 100, bot: str | tuple[str, ...] | None = None) -> list[dict[str, Any]]:
        """The latest hand-offs (of ``bot``'s conversations, of the bots a tuple names, or every
        bot's), newest first."""
        query = (select(handoffs, session_owners.c.user_id)
                 .outerjoin(session_owners, session_owners.c.session_id == handoffs.c.session_id)
                 .order_by(handoffs.c.id.desc()).limit(limit))
        if bot is not None:
            of_bot = sessions.c.bot == bot if isinstance(bot, str) else sessions.c.bot.in_(bot)
            query = query.where(handoffs.c.session_id.in_(select(sessions.c.id).where(of_bot)))
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings()
            return [{**{k: r[k] for k in ("id", "session_id", "user_id", "contact", "message", "webhook",
                                          "webhook_error")},
                     "turns": len(r["transcript"] or []), "created_at": iso(r["created_at"])}
                    for r in rows]


def transcript_text(transcript: list[dict[str, Any]]) -> str:
    """A transcript as plain text, for people reading a hand-off."""
    lines = []
    for t in transcript:
        lines += [f"Customer: {t['question']}", f"Bot: {t['answer']}", ""]
    return "\n".join(lines).strip()
