"""What the server records beside conversations: feedback, hand-offs, FAQ entries, secrets, limits,
failed admin logins, and which caller owns each conversation.

The tables live on the conversation store's ``metadata``, so one database (SQLite in the data dir,
or PostgreSQL shared by every replica) holds sessions, turns and everything here. Rate-limit
counters are rows too, so a limit holds across replicas behind a load balancer.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Any

from sqlalchemy import (JSON, Column, Float, Integer, PrimaryKeyConstraint, String, Table, Text,
                        and_, delete, func, insert, select, update)
from sqlalchemy.exc import IntegrityError

from knowledge.errors import InputError, NotFound

from .conversation import make_engine, metadata, new_session_id, sessions, turns

__all__ = ["Records", "transcript_text"]

feedback = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(64), index=True, nullable=False),
    Column("turn_id", Integer, nullable=True),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("rating", Integer, nullable=False),  # +1 thumbs up, -1 thumbs down
    Column("comment", Text, nullable=False, default=""),
    Column("created_at", Float, nullable=False),
)

handoffs = Table(
    "handoffs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(64), index=True, nullable=False),
    Column("contact", Text, nullable=False, default=""),
    Column("message", Text, nullable=False, default=""),
    Column("transcript", JSON, nullable=False, default=list),
    Column("webhook", String(16), nullable=False, default="off"),  # off | sent | failed
    Column("webhook_error", Text, nullable=False, default=""),
    Column("created_at", Float, nullable=False),
)

faq_entries = Table(
    "faq_entries", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

secrets = Table(
    "server_secrets", metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)

rate_counters = Table(
    "rate_counters", metadata,
    Column("key", String(200), nullable=False),
    Column("window", Integer, nullable=False),  # the epoch second at which the window ends
    Column("count", Integer, nullable=False),
    PrimaryKeyConstraint("key", "window"),
)


login_failures = Table(
    "login_failures", metadata,
    Column("key", String(200), primary_key=True),  # "addr:<client address>" or "account:<user>"
    Column("failures", Integer, nullable=False),
    Column("locked_until", Float, nullable=False),  # epoch seconds; 0 when not locked
    Column("last_at", Float, nullable=False),
)

session_owners = Table(
    "session_owners", metadata,
    Column("session_id", String(64), primary_key=True),
    Column("owner", String(80), nullable=False),  # "api", "chat" or "widget:<site key id>"
    Column("created_at", Float, nullable=False),
)


class Records:
    """Feedback, hand-offs, FAQ entries, secrets, rate counters and login failures in one SQL database."""

    def __init__(self, url: str):
        self.engine = make_engine(url)
        metadata.create_all(self.engine)
        self._sweep_lock = threading.Lock()
        self._swept = 0
        self._logins_swept = 0.0

    # -- conversations and their owners --------------------------------------------------------

    def start_session(self, owner: str) -> str:
        """A new conversation owned by ``owner``, with a server-chosen id (192 random bits)."""
        sid = new_session_id()
        now = time.time()
        with self.engine.begin() as conn:
            conn.execute(insert(sessions).values(id=sid, created_at=now, meta={}))
            conn.execute(insert(session_owners).values(session_id=sid, owner=owner[:80], created_at=now))
        return sid

    def session_owner(self, session_id: str) -> str | None:
        """Who started a conversation (None for an unknown one, or one started outside the server)."""
        with self.engine.connect() as conn:
            return conn.execute(select(session_owners.c.owner)
                                .where(session_owners.c.session_id == session_id)).scalar()

    def turn_count(self, session_id: str) -> int:
        """How many answers a conversation has."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.count(turns.c.id)).where(turns.c.session_id == session_id)).scalar()

    # -- feedback ----------------------------------------------------------------------------

    def add_feedback(self, session_id: str, rating: int, comment: str = "", turn: int | None = None) -> int:
        """Record thumbs up (+1) or down (-1) on a turn of a session (the last one by default)."""
        if rating not in (1, -1):
            raise InputError("rating must be 'up' or 'down'")
        row = self._turn(session_id, turn)
        with self.engine.begin() as conn:
            return conn.execute(insert(feedback).values(
                session_id=session_id, turn_id=row["id"], question=row["question"],
                answer=row["answer"], rating=rating, comment=comment.strip()[:2000],
                created_at=time.time())).inserted_primary_key[0]

    def set_feedback_comment(self, feedback_id: int, comment: str) -> None:
        """Attach or replace the comment of a feedback record."""
        with self.engine.begin() as conn:
            done = conn.execute(update(feedback).where(feedback.c.id == feedback_id)
                                .values(comment=comment.strip()[:2000])).rowcount
        if not done:
            raise NotFound(f"no feedback #{feedback_id}")

    def _turn(self, session_id: str, turn: int | None) -> dict[str, Any]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(turns.c.id, turns.c.question, turns.c.answer)
                                .where(turns.c.session_id == session_id)
                                .order_by(turns.c.id)).mappings().all()
        if not rows:
            raise NotFound(f"session {session_id!r} has no answers to rate")
        index = len(rows) - 1 if turn is None else turn
        if not 0 <= index < len(rows):
            raise NotFound(f"session {session_id!r} has no turn {turn}")
        return dict(rows[index])

    def drop_session(self, session_id: str) -> None:
        """Forget a session and its turns (the admin console's test questions leave no trace)."""
        with self.engine.begin() as conn:
            conn.execute(delete(turns).where(turns.c.session_id == session_id))
            conn.execute(delete(sessions).where(sessions.c.id == session_id))

    # -- hand-offs ---------------------------------------------------------------------------

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
                 "canned": r["canned"], "sources": r["sources"] or [], "at": _iso(r["created_at"]),
                 "feedback": marks.get(r["id"])} for r in rows]

    def add_handoff(self, session_id: str, contact: str = "", message: str = "") -> dict[str, Any]:
        """Record a request to talk to a person, with the transcript; returns the hand-off."""
        transcript = self.transcript(session_id)
        now = time.time()
        with self.engine.begin() as conn:
            hid = conn.execute(insert(handoffs).values(
                session_id=session_id, contact=contact.strip()[:500], message=message.strip()[:4000],
                transcript=transcript, webhook="off", webhook_error="", created_at=now,
            )).inserted_primary_key[0]
        return {"id": hid, "session_id": session_id, "contact": contact.strip()[:500],
                "message": message.strip()[:4000], "transcript": transcript, "created_at": _iso(now)}

    def set_handoff_delivery(self, handoff_id: int, status: str, error: str = "") -> None:
        """Record whether the hand-off webhook accepted the hand-off."""
        with self.engine.begin() as conn:
            conn.execute(update(handoffs).where(handoffs.c.id == handoff_id)
                         .values(webhook=status, webhook_error=error[:2000]))

    def handoffs(self, limit: int = 100) -> list[dict[str, Any]]:
        """The latest hand-offs, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(handoffs).order_by(handoffs.c.id.desc()).limit(limit)).mappings()
            return [{**{k: r[k] for k in ("id", "session_id", "contact", "message", "webhook",
                                          "webhook_error")},
                     "turns": len(r["transcript"] or []), "created_at": _iso(r["created_at"])}
                    for r in rows]

    # -- FAQ entries -------------------------------------------------------------------------

    def faq(self) -> list[dict[str, Any]]:
        """FAQ entries managed in the admin console, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(faq_entries).order_by(faq_entries.c.id)).mappings()
            return [{"id": r["id"], "question": r["question"], "answer": r["answer"],
                     "updated_at": _iso(r["updated_at"])} for r in rows]

    def save_faq(self, question: str, answer: str, entry_id: int | None = None) -> int:
        """Add an FAQ entry, or change entry ``entry_id``; returns its id."""
        question, answer = question.strip(), answer.strip()
        if not question or not answer:
            raise InputError("an FAQ entry needs a question and an answer")
        if len(question) > 1000 or len(answer) > 8000:
            raise InputError("an FAQ question is at most 1000 characters and its answer 8000")
        now = time.time()
        with self.engine.begin() as conn:
            if entry_id is None:
                return conn.execute(insert(faq_entries).values(
                    question=question, answer=answer, created_at=now, updated_at=now,
                )).inserted_primary_key[0]
            done = conn.execute(update(faq_entries).where(faq_entries.c.id == entry_id)
                                .values(question=question, answer=answer, updated_at=now)).rowcount
        if not done:
            raise NotFound(f"no FAQ entry #{entry_id}")
        return entry_id

    def delete_faq(self, entry_id: int) -> None:
        """Remove FAQ entry ``entry_id``."""
        with self.engine.begin() as conn:
            if not conn.execute(delete(faq_entries).where(faq_entries.c.id == entry_id)).rowcount:
                raise NotFound(f"no FAQ entry #{entry_id}")

    # -- secrets -----------------------------------------------------------------------------

    def secret(self, name: str) -> str | None:
        """A stored secret (e.g. the admin password hash), or None."""
        with self.engine.connect() as conn:
            return conn.execute(select(secrets.c.value).where(secrets.c.name == name)).scalar()

    def put_secret(self, name: str, value: str, *, replace: bool = False) -> bool:
        """Store a secret; without ``replace`` only if absent. True when this call stored it."""
        with self.engine.begin() as conn:
            if replace:
                conn.execute(delete(secrets).where(secrets.c.name == name))
            try:
                with conn.begin_nested():
                    conn.execute(insert(secrets).values(name=name, value=value, created_at=time.time()))
            except IntegrityError:  # another replica stored it first
                return False
        return True

    # -- rate limits -------------------------------------------------------------------------

    def hit(self, key: str, window_s: int = 60) -> tuple[int, float]:
        """Count one event for ``key`` in the current window: (events so far, seconds left in it).

        Windows are aligned to the epoch (a day window starts at 00:00 UTC); a counter row is
        named by the second its window ends, so one sweep clears expired rows of every size.
        """
        now = time.time()
        end = (int(now // window_s) + 1) * window_s
        where = and_(rate_counters.c.key == key[:200], rate_counters.c.window == end)
        with self.engine.begin() as conn:
            if not conn.execute(update(rate_counters).where(where)
                                .values(count=rate_counters.c.count + 1)).rowcount:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(rate_counters).values(key=key[:200], window=end, count=1))
                except IntegrityError:  # created by a concurrent request
                    conn.execute(update(rate_counters).where(where).values(count=rate_counters.c.count + 1))
            count = conn.execute(select(rate_counters.c.count).where(where)).scalar() or 1
        self._sweep(int(now))
        return count, end - now

    def _sweep(self, now: int) -> None:
        if now - self._swept < 60 or not self._sweep_lock.acquire(blocking=False):
            return
        try:
            with self.engine.begin() as conn:
                conn.execute(delete(rate_counters).where(rate_counters.c.window <= now))
            self._swept = now
        finally:
            self._sweep_lock.release()

    # -- failed admin logins -----------------------------------------------------------------

    def login_attempt(self, key: str, free: int, backoff_s: float, max_s: float) -> float:
        """Count a login attempt for ``key`` before its password is checked.

        Returns 0 when the attempt may go ahead, else the seconds until ``key`` may try again (the
        attempt is then not counted). After ``free`` attempts without a success, each further one
        locks ``key`` for ``backoff_s`` doubling up to ``max_s``. Counting first, in one
        transaction, means concurrent guesses cannot all slip in before the first one fails.
        """
        now = time.time()
        key = key[:200]
        c = login_failures.c
        bump = (update(login_failures).where(and_(c.key == key, c.locked_until <= now))
                .values(failures=c.failures + 1, last_at=now))
        with self.engine.begin() as conn:
            if not conn.execute(bump).rowcount:
                until = conn.execute(select(c.locked_until).where(c.key == key)).scalar()
                if until is None:
                    try:
                        with conn.begin_nested():
                            conn.execute(insert(login_failures).values(key=key, failures=1, locked_until=0.0,
                                                                       last_at=now))
                    except IntegrityError:  # a concurrent attempt created it: count this one on it
                        if not conn.execute(bump).rowcount:
                            until = conn.execute(select(c.locked_until).where(c.key == key)).scalar()
                if until is not None:
                    return max(0.001, until - time.time())  # not ``now``: waiting for the lock took time
            failures = conn.execute(select(c.failures).where(c.key == key)).scalar()
            if failures >= free:
                delay = min(max_s, backoff_s * 2 ** min(failures - free, 30))
                conn.execute(update(login_failures).where(c.key == key).values(locked_until=now + delay))
        self._sweep_logins(now)
        return 0.0

    def login_succeeded(self, *keys: str) -> None:
        """Forget the failures of ``keys`` (a correct password was given)."""
        with self.engine.begin() as conn:
            conn.execute(delete(login_failures).where(login_failures.c.key.in_([k[:200] for k in keys])))

    def _sweep_logins(self, now: float) -> None:
        if now - self._logins_swept < 3600:
            return
        self._logins_swept = now
        with self.engine.begin() as conn:  # a day without attempts forgets an address
            conn.execute(delete(login_failures).where(and_(login_failures.c.last_at < now - 86400,
                                                           login_failures.c.locked_until < now)))

    # -- what the admin reviews --------------------------------------------------------------

    def conversations(self, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        """Sessions with at least one turn, latest activity first, with feedback counts."""
        per = (select(turns.c.session_id.label("sid"), func.count(turns.c.id).label("n"),
                      func.max(turns.c.id).label("last_id"), func.max(turns.c.created_at).label("last_at"),
                      func.sum(turns.c.refused.cast(Integer)).label("refused"))
               .group_by(turns.c.session_id).subquery())
        query = (select(per, sessions.c.created_at, turns.c.question)
                 .join(sessions, sessions.c.id == per.c.sid)
                 .join(turns, turns.c.id == per.c.last_id)
                 .order_by(per.c.last_at.desc()).limit(limit).offset(offset))
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
        return [{"session_id": r["sid"], "started_at": _iso(r["created_at"]), "turns": r["n"],
                 "refused": int(r["refused"] or 0), "last_at": _iso(r["last_at"]),
                 "last_question": r["question"], "feedback": tally[r["sid"]],
                 "handoffs": handed.get(r["sid"], 0)} for r in rows]

    def unanswered(self, limit: int = 100) -> list[dict[str, Any]]:
        """Questions the bot refused or that got a thumbs down, not yet covered by an FAQ entry."""
        with self.engine.connect() as conn:
            refused = conn.execute(select(turns.c.question, turns.c.answer, turns.c.created_at)
                                   .where(turns.c.refused.is_(True))
                                   .order_by(turns.c.id.desc()).limit(1000)).all()
            down = conn.execute(select(feedback.c.question, feedback.c.answer, feedback.c.created_at,
                                       feedback.c.comment)
                                .where(feedback.c.rating < 0)
                                .order_by(feedback.c.id.desc()).limit(1000)).all()
            covered = {_key(q) for q in conn.execute(select(faq_entries.c.question)).scalars()}
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
            item["last_at"] = _iso(item["last_at"])
        return ranked


def transcript_text(transcript: list[dict[str, Any]]) -> str:
    """A transcript as plain text, for people reading a hand-off."""
    lines = []
    for t in transcript:
        lines += [f"Customer: {t['question']}", f"Bot: {t['answer']}", ""]
    return "\n".join(lines).strip()


def _key(question: str) -> str:
    return " ".join(question.casefold().split())


def _iso(ts: float | None) -> str:
    if ts is None or (isinstance(ts, float) and math.isnan(ts)):
        return ""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
