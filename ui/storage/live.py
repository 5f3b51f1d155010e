"""Live hand-off records: each conversation's state, its events (messages to and from a person,
who joined and left), and when each staff member last used the inbox.

Every replica reads and writes the same rows, so a customer on one replica and an agent on
another meet here. A state change is a compare-and-set (``UPDATE ... WHERE state = old``): two
agents claiming at once on two replicas cannot both win.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ._time import iso
from .schema import live_events, live_states, session_owners, sessions, staff_presence

__all__ = ["LiveStore"]

_EVENT_KEYS = ("id", "kind", "author", "name", "text")


class LiveStore:
    """Conversation states, live events and staff presence in the server's database."""

    def __init__(self, engine: Engine, mask: Callable[[str], str] = str):
        self.engine, self.mask = engine, mask

    # -- states --------------------------------------------------------------------------------

    def state(self, session_id: str) -> dict[str, Any]:
        """The conversation's live record; ``{"state": "bot"}`` when it was never handed off."""
        with self.engine.connect() as conn:
            row = conn.execute(select(live_states).where(live_states.c.session_id == session_id)).mappings().first()
        return dict(row) if row else {"session_id": session_id, "state": "bot", "reason": "", "contact": "",
                                      "claimed_by": "", "state_at": None, "created_at": None}

    def change(self, session_id: str, old: str, new: str, **values: Any) -> bool:
        """Move the conversation from ``old`` to ``new`` (with ``values``); False when it was not in ``old``."""
        now = time.time()
        values = {k: (self.mask(v) if k == "contact" else v) for k, v in values.items()}
        with self.engine.begin() as conn:
            if old == "bot":  # no row yet, or a row that went back to the bot
                try:
                    with conn.begin_nested():
                        conn.execute(insert(live_states).values(**{
                            "reason": "", "contact": "", "claimed_by": "", **values,
                            "session_id": session_id, "state": new, "state_at": now, "created_at": now}))
                    return True
                except IntegrityError:
                    pass
            done = conn.execute(update(live_states).where(live_states.c.session_id == session_id,
                                                          live_states.c.state == old)
                                .values(state=new, state_at=now, **values)).rowcount
        return bool(done)

    def update(self, session_id: str, **values: Any) -> None:
        """Change fields of the record without changing its state (a contact left while waiting)."""
        values = {k: (self.mask(v) if k == "contact" else v) for k, v in values.items()}
        with self.engine.begin() as conn:
            conn.execute(update(live_states).where(live_states.c.session_id == session_id).values(**values))

    def open(self) -> list[dict[str, Any]]:
        """Waiting and active conversations, the longest in their state first, with their owner, bot,
        the customer's last message and how many messages they hold."""
        last = (select(live_events.c.session_id, func.max(live_events.c.id).label("last_id"),
                       func.count(live_events.c.id).label("n"))
                .group_by(live_events.c.session_id).subquery())
        query = (select(live_states, session_owners.c.owner, sessions.c.bot, last.c.last_id, last.c.n)
                 .join(session_owners, session_owners.c.session_id == live_states.c.session_id, isouter=True)
                 .join(sessions, sessions.c.id == live_states.c.session_id, isouter=True)
                 .join(last, last.c.session_id == live_states.c.session_id, isouter=True)
                 .where(live_states.c.state.in_(("waiting", "agent")))
                 .order_by(live_states.c.state_at, live_states.c.session_id))
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    # -- events --------------------------------------------------------------------------------

    def add_event(self, session_id: str, kind: str, author: str, text: str = "", name: str = "") -> int:
        """Append an event to the conversation's stream; returns its id (ids only grow)."""
        with self.engine.begin() as conn:
            return conn.execute(insert(live_events).values(
                session_id=session_id, kind=kind, author=author, name=name[:200], text=self.mask(text),
                created_at=time.time())).inserted_primary_key[0]

    def events(self, session_id: str, after: int = 0, limit: int = 500) -> list[dict[str, Any]]:
        """The conversation's events with an id above ``after``, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(live_events).where(live_events.c.session_id == session_id,
                                                          live_events.c.id > after)
                                .order_by(live_events.c.id).limit(limit)).mappings()
            return [{**{k: r[k] for k in _EVENT_KEYS}, "at": iso(r["created_at"]), "ts": r["created_at"]}
                    for r in rows]

    # -- staff presence ------------------------------------------------------------------------

    def seen(self, name: str, now: float | None = None) -> None:
        """Record that a staff member used the inbox just now."""
        now = time.time() if now is None else now
        with self.engine.begin() as conn:
            if not conn.execute(update(staff_presence).where(staff_presence.c.name == name[:200])
                                .values(seen_at=now)).rowcount:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(staff_presence).values(name=name[:200], seen_at=now))
                except IntegrityError:  # recorded meanwhile by another replica
                    pass

    def last_seen(self) -> float | None:
        """When any staff member last used the inbox (None: never)."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.max(staff_presence.c.seen_at))).scalar()
