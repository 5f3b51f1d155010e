"""Erasing conversations completely: one on request, or every one past the retention period.

"Completely" means every row keyed by the conversation, in every table of the schema: rows with
a ``session_id`` column (turns, feedback, hand-offs, owner, the session), rows that point at one
of its turns through a ``turn_id`` column, and the rate counters named after it. The tables are
found from the schema's MetaData, so a table added later with such a column is erased too.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from sqlalchemy import Connection, Engine, delete, func, or_, select, union_all

from .schema import metadata, rate_counters, sessions, turns

__all__ = ["Erasure"]

_DAY = 86400.0

log = logging.getLogger("helpdesk.privacy")


def _keyed(column: str) -> list:
    return [t for t in metadata.sorted_tables if column in t.c and t is not turns]


class Erasure:
    """Deletes conversations and everything keyed by them, in one transaction each batch."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def erase(self, session_id: str) -> bool:
        """Erase one conversation; False when nothing was kept under that id."""
        with self.engine.begin() as conn:
            return self._erase(conn, [session_id]) > 0

    def purge(self, older_than_days: float, now: float | None = None, batch: int = 200) -> int:
        """Erase every conversation whose last activity (its newest turn, feedback or hand-off, else
        its start) is older than ``older_than_days``; returns how many were erased."""
        cutoff = (time.time() if now is None else now) - older_than_days * _DAY
        erased = 0
        while True:
            with self.engine.begin() as conn:
                ids = list(conn.execute(self._stale(cutoff).limit(batch)).scalars())
                if not ids:
                    return erased
                self._erase(conn, ids)
            erased += len(ids)

    def retain(self, days: float) -> str:
        """The retention job: purge what is older than ``days``; says what it did, for the console."""
        n = self.purge(days)
        log.info("retention: erased %d conversations older than %g days", n, days)
        return f"erased {n} conversations older than {days:g} days"

    def _stale(self, cutoff: float):
        """Session ids (kept in any table) whose newest row is older than ``cutoff``."""
        stamped = [select(t.c.session_id.label("sid"), t.c.created_at.label("at"))
                   for t in _keyed("session_id") + [turns] if "created_at" in t.c]
        stamped.append(select(sessions.c.id.label("sid"), sessions.c.created_at.label("at")))
        every = union_all(*stamped).subquery()
        return (select(every.c.sid).group_by(every.c.sid).having(func.max(every.c.at) < cutoff)
                .order_by(every.c.sid))

    def _erase(self, conn: Connection, ids: Iterable[str]) -> int:
        ids = list(ids)
        turn_ids = select(turns.c.id).where(turns.c.session_id.in_(ids))
        found = 0
        for table in _keyed("turn_id"):
            conn.execute(delete(table).where(table.c.turn_id.in_(turn_ids)))
        # Children before parents: turns (and anything else referring to sessions) go before sessions.
        for table in [turns] + [t for t in reversed(_keyed("session_id"))]:
            found += conn.execute(delete(table).where(table.c.session_id.in_(ids))).rowcount or 0
        found += conn.execute(delete(sessions).where(sessions.c.id.in_(ids))).rowcount or 0
        conn.execute(delete(rate_counters).where(or_(*[rate_counters.c.key.endswith(f":{sid}", autoescape=True)
                                                       for sid in ids])))
        return found
