"""Every conversation with its turns, feedback and hand-offs (and the website's verified customer
id, ``user_id``, for a signed-in widget customer), read in batches and written as JSON
lines (one conversation a line) or CSV (one turn a row, the conversation's fields repeated).

Conversations are read by keyset pages of ``batch`` sessions (ordered by start time and id), each
page's turns, feedback and hand-offs in three more queries, so memory holds one page whatever
the table's size, and no connection stays open while a slow client reads. A turn carries every
column of the ``turns`` table (whatever later migrations add), times as ISO 8601 in UTC.

    >>> for line in storage.export.jsonl(*period("2024-05-01", "2024-05-31")):
    ...     out.write(line)
"""

from __future__ import annotations

import csv
import io
import json
import time
from calendar import timegm
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Engine, and_, exists, or_, select

from knowledge.errors import InputError

from ._time import iso
from .schema import feedback, handoffs, session_owners, sessions, turns

__all__ = ["Export", "period", "FORMATS"]

FORMATS = ("jsonl", "csv")
_TEXTS = ("question", "standalone", "answer")  # the turn's texts a customer wrote or was shown
_TURN_COLUMNS = [c.name for c in turns.c if c.name != "session_id"]


def period(start: str | None, end: str | None) -> tuple[float | None, float | None]:
    """Epoch seconds for ``YYYY-MM-DD`` days (UTC): from the start of ``start`` to the end of ``end``."""

    def day(text: str, name: str) -> float:
        try:
            return float(timegm(time.strptime(text.strip(), "%Y-%m-%d")))
        except (ValueError, AttributeError):
            raise InputError(f"{name} must be a date as YYYY-MM-DD, got {text[:40]!r}") from None

    lo = day(start, "from") if start else None
    hi = day(end, "to") + 86400 if end else None
    if lo is not None and hi is not None and lo >= hi:
        raise InputError(f"'from' ({start}) is after 'to' ({end})")
    return lo, hi


class Export:
    """Reads conversations for export, page by page (see the module's docstring)."""

    def __init__(self, engine: Engine, mask: Callable[[str], str] = str):
        self.engine, self.mask = engine, mask

    def conversations(self, start: float | None = None, end: float | None = None,
                      batch: int = 200) -> Iterator[dict[str, Any]]:
        """Conversations with at least one turn, started in ``[start, end)``, oldest first."""
        where = [exists(select(turns.c.id).where(turns.c.session_id == sessions.c.id))]
        if start is not None:
            where.append(sessions.c.created_at >= start)
        if end is not None:
            where.append(sessions.c.created_at < end)
        after: tuple[float, str] | None = None
        while True:
            page = select(sessions.c.id, sessions.c.created_at, session_owners.c.owner,
                          session_owners.c.user_id).outerjoin(
                session_owners, session_owners.c.session_id == sessions.c.id).where(*where)
            if after is not None:
                page = page.where(or_(sessions.c.created_at > after[0],
                                      and_(sessions.c.created_at == after[0], sessions.c.id > after[1])))
            page = page.order_by(sessions.c.created_at, sessions.c.id).limit(batch)
            with self.engine.connect() as conn:
                heads = conn.execute(page).all()
                if not heads:
                    return
                ids = [h.id for h in heads]
                said = conn.execute(select(turns).where(turns.c.session_id.in_(ids))
                                    .order_by(turns.c.id)).mappings().all()
                rated = conn.execute(select(feedback).where(feedback.c.session_id.in_(ids))
                                     .order_by(feedback.c.id)).mappings().all()
                handed = conn.execute(select(*[c for c in handoffs.c if c.name != "transcript"])
                                      .where(handoffs.c.session_id.in_(ids))
                                      .order_by(handoffs.c.id)).mappings().all()
            out = {h.id: {"session_id": h.id, "started_at": iso(h.created_at), "channel": h.owner or "",
                          "user_id": h.user_id, "turns": [], "feedback": [], "handoffs": []} for h in heads}
            for r in said:
                out[r["session_id"]]["turns"].append(self._turn(r))
            for r in rated:
                out[r["session_id"]]["feedback"].append({
                    "turn_id": r["turn_id"], "rating": "up" if r["rating"] > 0 else "down",
                    "comment": self.mask(r["comment"]), "at": iso(r["created_at"])})
            for r in handed:
                out[r["session_id"]]["handoffs"].append({
                    "id": r["id"], "contact": self.mask(r["contact"]), "message": self.mask(r["message"]),
                    "webhook": r["webhook"], "webhook_error": r["webhook_error"], "at": iso(r["created_at"])})
            yield from out.values()
            after = (heads[-1].created_at, heads[-1].id)

    def _turn(self, row) -> dict[str, Any]:
        turn: dict[str, Any] = {}
        for name in _TURN_COLUMNS:
            value = row[name]
            if name == "created_at":
                turn["at"] = iso(value)
            elif name in _TEXTS and isinstance(value, str):
                turn[name] = self.mask(value)
            else:
                turn[name] = value
        return turn

    def jsonl(self, start: float | None = None, end: float | None = None, batch: int = 200) -> Iterator[str]:
        """One JSON object per conversation, each ending in a newline."""
        for conversation in self.conversations(start, end, batch):
            yield json.dumps(conversation, ensure_ascii=False) + "\n"

    def csv(self, start: float | None = None, end: float | None = None, batch: int = 200) -> Iterator[str]:
        """A header, then one row per turn: the conversation's fields, the turn's, and its latest rating."""
        columns = csv_columns()
        yield _csv_line(columns)
        for c in self.conversations(start, end, batch):
            rating = {f["turn_id"]: f for f in c["feedback"]}
            handed = json.dumps(c["handoffs"], ensure_ascii=False) if c["handoffs"] else ""
            for i, t in enumerate(c["turns"]):
                mark = rating.get(t["id"], {})
                row = {"session_id": c["session_id"], "started_at": c["started_at"], "channel": c["channel"],
                       "user_id": c["user_id"], "turn": i, **{("turn_id" if k == "id" else k): v for k, v in t.items()},
                       "rating": mark.get("rating", ""), "feedback_comment": mark.get("comment", ""),
                       "handoffs": handed}
                yield _csv_line([row[name] for name in columns])


def csv_columns() -> list[str]:
    """The CSV export's header: conversation fields, every turn column, feedback, hand-offs."""
    turn = ["turn_id" if n == "id" else "at" if n == "created_at" else n for n in _TURN_COLUMNS]
    return ["session_id", "started_at", "channel", "user_id", "turn", *turn, "rating", "feedback_comment", "handoffs"]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    # A cell a spreadsheet would run as a formula (=, +, -, @ first) is kept as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_line(values: list[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([_cell(v) for v in values])
    return buffer.getvalue()
