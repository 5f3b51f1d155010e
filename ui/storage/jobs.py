"""Background jobs that exactly one replica runs at a time, claimed through the shared database.

A job (the daily retention purge, a knowledge source's sync) is a row: when it is next due, and
which replica holds it until when. ``claim`` is one conditional UPDATE, so when several replicas
ask at the same moment exactly one of them gets True; the holder reports ``finish`` with the next
due time. A replica that dies mid-run loses its claim when the lease runs out, and another one
runs the job then.

    >>> jobs = storage.jobs
    >>> if jobs.claim("retention", lease_s=600):
    ...     try:
    ...         message = purge()
    ...         jobs.finish("retention", next_due=time.time() + 86400, message=message)
    ...     except Exception as exc:
    ...         jobs.finish("retention", next_due=time.time() + 3600, status="failed", message=str(exc))
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from ._time import iso
from .schema import jobs

__all__ = ["Jobs"]


class Jobs:
    """The jobs table, seen from one replica (``holder`` names it in the rows it claims)."""

    def __init__(self, engine: Engine, holder: str | None = None):
        self.engine = engine
        self.holder = holder or f"{socket.gethostname()[:60]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"

    def ensure(self, name: str, due_at: float = 0.0) -> None:
        """Create the job's row, due at ``due_at``, unless it exists (then it is left as it is)."""
        with self.engine.begin() as conn:
            if conn.execute(select(jobs.c.name).where(jobs.c.name == name)).first() is not None:
                return
            try:
                with conn.begin_nested():
                    conn.execute(insert(jobs).values(name=name, due_at=due_at, held_by="", held_until=0.0,
                                                     last_status="", last_message=""))
            except IntegrityError:  # another replica created it at the same moment
                pass

    def claim(self, name: str, lease_s: float = 600.0, now: float | None = None) -> bool:
        """True when this replica may run the job now: it was due and nobody held it."""
        now = time.time() if now is None else now
        self.ensure(name)
        with self.engine.begin() as conn:
            claimed = conn.execute(
                update(jobs)
                .where(jobs.c.name == name, jobs.c.due_at <= now, jobs.c.held_until < now)
                .values(held_by=self.holder, held_until=now + lease_s, last_started=now)
            ).rowcount
        return claimed == 1

    def finish(self, name: str, next_due: float, status: str = "ok", message: str = "") -> None:
        """Release a claimed job with its outcome and the time it is due again."""
        with self.engine.begin() as conn:
            conn.execute(
                update(jobs).where(jobs.c.name == name, jobs.c.held_by == self.holder)
                .values(held_by="", held_until=0.0, due_at=next_due, last_finished=time.time(),
                        last_status=status[:16], last_message=message[:2000])
            )

    def run_soon(self, name: str) -> None:
        """Make the job due now (a "sync now" button); a running claim is left to finish."""
        self.ensure(name)
        with self.engine.begin() as conn:
            conn.execute(update(jobs).where(jobs.c.name == name).values(due_at=0.0))

    def get(self, name: str) -> dict[str, Any] | None:
        """The job's state: due, held, last run and its outcome (times as ISO 8601), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(jobs).where(jobs.c.name == name)).mappings().first()
        if row is None:
            return None
        now = time.time()
        return {"name": row["name"], "due_at": iso(row["due_at"]) if row["due_at"] else "now",
                "running": row["held_until"] >= now and bool(row["held_by"]),
                "last_started": iso(row["last_started"]), "last_finished": iso(row["last_finished"]),
                "last_status": row["last_status"], "last_message": row["last_message"]}

    def forget(self, name: str) -> None:
        """Delete the job's row (its source or setting is gone)."""
        with self.engine.begin() as conn:
            conn.execute(delete(jobs).where(jobs.c.name == name))
