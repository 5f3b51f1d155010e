"""Sessions, their turns and who started each, in the server's database.

The Bot's :class:`~bot.conversation.Conversations` store for the server and the ``helpdesk``
command, so a conversation continues on any replica (and across ``helpdesk ask --session``).
Conversations started by the server also record their owner ("api", "chat", "widget:<key>"):
only the owner may continue one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import replace

from sqlalchemy import Engine, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.conversation import Turn, check_session_id, new_session_id

from .schema import DEFAULT_BOT, citations, live_events, session_owners, sessions, turns

__all__ = ["SqlConversations", "answered"]


class SqlConversations:
    """Sessions and turns, shared by every replica that points at the same database."""

    def __init__(self, engine: Engine, mask: Callable[[str], str] = str, bot: str = DEFAULT_BOT):
        self.engine, self.mask = engine, mask  # mask: what personal data becomes when stored
        self.bot = bot  # the bot of the sessions it creates itself (new_session, ensure)

    def of_bot(self, bot: str) -> SqlConversations:
        """The same store, creating its sessions for ``bot`` (the Bot of another bot gets this one)."""
        return SqlConversations(self.engine, self.mask, bot)

    def new_session(self) -> str:
        """Create a session and return its id."""
        sid = new_session_id()
        with self.engine.begin() as conn:
            conn.execute(insert(sessions).values(id=sid, created_at=time.time(), meta={}, bot=self.bot))
        return sid

    def ensure(self, session_id: str | None) -> str:
        """The id of an existing session, or of a new one (an unknown id starts a session under it)."""
        if session_id is None:
            return self.new_session()
        check_session_id(session_id)
        with self.engine.begin() as conn:
            found = conn.execute(select(sessions.c.id).where(sessions.c.id == session_id)).first()
            if found is None:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(sessions).values(id=session_id, created_at=time.time(), meta={},
                                                            bot=self.bot))
                except IntegrityError:  # created meanwhile by another request or replica
                    pass
        return session_id

    def history(self, session_id: str, limit: int = 6) -> list[Turn]:
        """The last ``limit`` turns of a session, oldest first: the bot's, and what the customer and
        a person said while the conversation was handed off (each customer message with the
        person's replies to it), so the bot takes up a released conversation where the person left it."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(turns).where(turns.c.session_id == session_id, answered())
                .order_by(turns.c.id.desc()).limit(limit)
            ).mappings().all()
            said = conn.execute(
                select(live_events.c.kind, live_events.c.text, live_events.c.created_at)
                .where(live_events.c.session_id == session_id,
                       live_events.c.kind.in_(("customer_message", "agent_message")))
                .order_by(live_events.c.id.desc()).limit(limit * 4)
            ).all()
        timeline = [(r["created_at"], Turn(r["question"], r["standalone"], r["answer"], r["refused"], r["canned"],
                                           r["sources"])) for r in reversed(rows)]
        live: list[tuple[float, Turn]] = []
        for kind, text, at in reversed(said):
            if kind == "customer_message":
                live.append((at, Turn(text, text, "")))
            elif live and live[-1][1].question:  # the person's reply to the last customer message
                live[-1] = (live[-1][0], replace(live[-1][1], answer=f"{live[-1][1].answer}\n{text}".strip()))
            else:
                live.append((at, Turn("", "", text)))
        merged: list[Turn] = []  # the bot's turns stay in their order; the hand-off's go where they happened
        for at, turn in timeline:
            while live and live[0][0] <= at:
                merged.append(live.pop(0)[1])
            merged.append(turn)
        merged += [turn for _, turn in live]
        return merged[-limit:] if limit > 0 else []

    def add(self, session_id: str, turn: Turn) -> None:
        """Append a turn to a session, with its outcome, language, latencies and cited sources (its
        texts masked when redaction is on)."""
        turn = replace(turn, question=self.mask(turn.question), standalone=self.mask(turn.standalone),
                       answer=self.mask(turn.answer))
        timings = turn.timings_ms or {}
        with self.engine.begin() as conn:
            turn_id = conn.execute(insert(turns).values(
                session_id=session_id, question=turn.question, standalone=turn.standalone,
                answer=turn.answer, refused=turn.refused, canned=turn.canned,
                sources=json.loads(json.dumps(turn.sources or [], ensure_ascii=False)),
                created_at=time.time(), outcome=turn.outcome, lang=turn.lang,
                first_token_ms=timings.get("first_token"), total_ms=timings.get("total"))).inserted_primary_key[0]
            cited = {str(s["source"])[:500] for s in turn.sources or [] if s.get("source")}
            if cited:
                conn.execute(insert(citations), [{"turn_id": turn_id, "source": s} for s in sorted(cited)])

    def mark_handoff(self, session_id: str) -> None:
        """The conversation's last answer ends in a hand-off: that becomes its outcome."""
        last = select(func.max(turns.c.id)).where(turns.c.session_id == session_id, answered()).scalar_subquery()
        with self.engine.begin() as conn:
            conn.execute(update(turns).where(turns.c.id == last).values(outcome="handoff"))

    # -- owners --------------------------------------------------------------------------------

    def start_session(self, owner: str, user_id: str | None = None, bot: str = DEFAULT_BOT) -> str:
        """A new conversation of ``bot`` owned by ``owner`` (for the website's verified customer
        ``user_id``, if any), with a server-chosen id (192 random bits)."""
        sid = new_session_id()
        now = time.time()
        with self.engine.begin() as conn:
            conn.execute(insert(sessions).values(id=sid, created_at=now, meta={}, bot=bot))
            conn.execute(insert(session_owners).values(session_id=sid, owner=owner[:80], created_at=now,
                                                       user_id=user_id))
        return sid

    def user_session(self, owner: str, user_id: str) -> str | None:
        """The latest conversation ``owner`` started for the verified customer ``user_id``, or None."""
        with self.engine.connect() as conn:
            return conn.execute(select(session_owners.c.session_id)
                                .where(session_owners.c.owner == owner, session_owners.c.user_id == user_id)
                                .order_by(session_owners.c.created_at.desc()).limit(1)).scalar()

    def session_user(self, session_id: str) -> str | None:
        """The verified customer a conversation belongs to (None: an anonymous one)."""
        with self.engine.connect() as conn:
            return conn.execute(select(session_owners.c.user_id)
                                .where(session_owners.c.session_id == session_id)).scalar()

    def session_owner(self, session_id: str) -> str | None:
        """Who started a conversation (None for an unknown one, or one started outside the server)."""
        with self.engine.connect() as conn:
            return conn.execute(select(session_owners.c.owner)
                                .where(session_owners.c.session_id == session_id)).scalar()

    def session_bot(self, session_id: str) -> str | None:
        """The bot a conversation belongs to (None for an unknown one)."""
        with self.engine.connect() as conn:
            return conn.execute(select(sessions.c.bot).where(sessions.c.id == session_id)).scalar()

    def turn_count(self, session_id: str) -> int:
        """How many answers a conversation has."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.count(turns.c.id))
                                .where(turns.c.session_id == session_id, answered())).scalar()

    def drop_session(self, session_id: str) -> None:
        """Forget a session and its turns (the admin console's test questions leave no trace)."""
        with self.engine.begin() as conn:
            conn.execute(delete(citations).where(citations.c.turn_id.in_(
                select(turns.c.id).where(turns.c.session_id == session_id))))
            conn.execute(delete(turns).where(turns.c.session_id == session_id))
            conn.execute(delete(sessions).where(sessions.c.id == session_id))


def answered():
    """The turns that are answers (not ``error`` turns, which are kept only to be counted)."""
    return or_(turns.c.outcome.is_(None), turns.c.outcome != "error")
