"""Ratings of answers, and what the admin reviews: transcripts, conversations, unanswered questions.

The review views read turns and feedback together (a transcript shows each answer's rating, the
conversation list counts votes and hand-offs, the unanswered list joins refusals with thumbs
down), so they live beside the feedback they are built on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, Integer, func, insert, select, update

from knowledge.errors import InputError, NotFound

from ._time import iso
from .conversations import answered
from .schema import DEFAULT_BOT, faq_entries, feedback, handoffs, sessions, turns

__all__ = ["Feedback"]


class Feedback:
    """Thumbs up or down on answers, and the admin's views of conversations."""

    def __init__(self, engine: Engine, mask: Callable[[str], str] = str):
        self.engine, self.mask = engine, mask  # mask: what personal data becomes when stored

    def add(self, session_id: str, rating: int, comment: str = "", turn: int | None = None) -> int:
        """Record thumbs up (+1) or down (-1) on a turn of a session (the last one by default)."""
        if rating not in (1, -1):
            raise InputError("rating must be 'up' or 'down'")
        row = self._turn(session_id, turn)
        with self.engine.begin() as conn:
            return conn.execute(insert(feedback).values(
                session_id=session_id, turn_id=row["id"], question=row["question"],
                answer=row["answer"], rating=rating, comment=self.mask(comment.strip()[:2000]),
                created_at=time.time())).inserted_primary_key[0]

    def set_comment(self, feedback_id: int, comment: str) -> None:
        """Attach or replace the comment of a feedback record."""
        with self.engine.begin() as conn:
            done = conn.execute(update(feedback).where(feedback.c.id == feedback_id)
                                .values(comment=self.mask(comment.strip()[:2000]))).rowcount
        if not done:
            raise NotFound(f"no feedback #{feedback_id}")

    def _turn(self, session_id: str, turn: int | None) -> dict[str, Any]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(turns.c.id, turns.c.question, turns.c.answer)
                                .where(turns.c.session_id == session_id, answered())
                                .order_by(turns.c.id)).mappings().all()
        if not rows:
            raise NotFound(f"session {session_id!r} has no answers to rate")
        index = len(rows) - 1 if turn is None else turn
        if not 0 <= index < len(rows):
            raise NotFound(f"session {session_id!r} has no turn {turn}")
        return dict(rows[index])

    def transcript(self, session_id: str) -> list[dict[str, Any]]:
        """Every turn of a session, oldest first, with sources and feedback."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(turns).where(turns.c.session_id == session_id)
                                .order_by(turns.c.id)).mappings().all()
            rated = conn.execute(select(feedback.c.turn_id, feedback.c.rating, feedback.c.comment)
                                 .where(feedback.c.session_id == session_id)
                                 .order_by(feedback.c.id)).mappings().all()
        marks = {r["turn_id"]: {"rating": r["rating"], "comment": r["comment"]} for r in rated}
        return [{"question": r["question"], "answer": r["answer"], "refused": r["refused"],
                 "canned": r["canned"], "sources": r["sources"] or [], "at": iso(r["created_at"]),
                 "feedback": marks.get(r["id"])} for r in rows]

    def conversations(self, limit: int = 50, offset: int = 0,
                      bot: str | tuple[str, ...] | None = None) -> list[dict[str, Any]]:
        """Sessions (of ``bot``, of the bots a tuple names, or every bot's) with at least one turn,
        latest activity first, with feedback counts."""
        per = (select(turns.c.session_id.label("sid"), func.count(turns.c.id).label("n"),
                      func.max(turns.c.id).label("last_id"), func.max(turns.c.created_at).label("last_at"),
                      func.sum(turns.c.refused.cast(Integer)).label("refused"))
               .group_by(turns.c.session_id).subquery())
        query = (select(per, sessions.c.created_at, turns.c.question)
                 .join(sessions, sessions.c.id == per.c.sid)
                 .join(turns, turns.c.id == per.c.last_id)
                 .order_by(per.c.last_at.desc()).limit(limit).offset(offset))
        if bot is not None:
            query = query.where(sessions.c.bot == bot if isinstance(bot, str) else sessions.c.bot.in_(bot))
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
            ids = [r["sid"] for r in rows]
            votes = conn.execute(select(feedback.c.session_id, feedback.c.rating, func.count())
                                 .where(feedback.c.session_id.in_(ids))
                                 .group_by(feedback.c.session_id, feedback.c.rating)).all()
            handed = dict(conn.execute(select(handoffs.c.session_id, func.count())
                                       .where(handoffs.c.session_id.in_(ids))
                                       .group_by(handoffs.c.session_id)).all())
        tally: dict[str, dict[str, int]] = {sid: {"up": 0, "down": 0} for sid in ids}
        for sid, rating, n in votes:
            tally[sid]["up" if rating > 0 else "down"] += n
        return [{"session_id": r["sid"], "started_at": iso(r["created_at"]), "turns": r["n"],
                 "refused": int(r["refused"] or 0), "last_at": iso(r["last_at"]),
                 "last_question": r["question"], "feedback": tally[r["sid"]],
                 "handoffs": handed.get(r["sid"], 0)} for r in rows]

    def unanswered(self, limit: int = 100, bot: str = DEFAULT_BOT) -> list[dict[str, Any]]:
        """Questions ``bot`` refused or that got a thumbs down, not yet covered by its FAQ entries."""
        of_bot = select(sessions.c.id).where(sessions.c.bot == bot)
        with self.engine.connect() as conn:
            refused = conn.execute(select(turns.c.question, turns.c.answer, turns.c.created_at)
                                   .where(turns.c.refused.is_(True), turns.c.session_id.in_(of_bot))
                                   .order_by(turns.c.id.desc()).limit(1000)).all()
            down = conn.execute(select(feedback.c.question, feedback.c.answer, feedback.c.created_at,
                                       feedback.c.comment)
                                .where(feedback.c.rating < 0, feedback.c.session_id.in_(of_bot))
                                .order_by(feedback.c.id.desc()).limit(1000)).all()
            covered = {_key(q) for q in conn.execute(select(faq_entries.c.question).where(faq_entries.c.bot == bot)).scalars()}
        out: dict[str, dict[str, Any]] = {}
        for kind, rows in (("thumbs down", down), ("refused", refused)):
            for row in rows:
                key = _key(row[0])
                if key in covered:
                    continue
                item = out.setdefault(key, {"question": row[0], "reasons": [], "count": 0,
                                            "last_at": row[2], "answer": row[1], "comment": ""})
                item["count"] += 1
                item["last_at"] = max(item["last_at"], row[2])
                if kind not in item["reasons"]:
                    item["reasons"].append(kind)
                if kind == "thumbs down" and row[3] and not item["comment"]:
                    item["comment"] = row[3]
        ranked = sorted(out.values(), key=lambda i: (-i["count"], -i["last_at"]))[:limit]
        for item in ranked:
            item["reason"] = ", ".join(item.pop("reasons"))
            item["last_at"] = iso(item["last_at"])
        return ranked


def _key(question: str) -> str:
    return " ".join(question.casefold().split())
