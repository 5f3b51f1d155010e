"""Knowledge sources: websites and folders the server keeps in step with the knowledge base.

A row holds what to follow (``kind`` ``site`` or ``folder``, its ``location``), how often, and the
crawl state the next sync starts from (a site's page records with ETags and hashes; a folder's
file names). When each last ran and runs next is the jobs table's business (``source:<id>``).

    >>> store = SourceStore(engine)
    >>> s = store.add("site", "https://help.example.com/", every_s=6 * 3600)
    >>> store.save_state(s["id"], {"https://help.example.com/": {"etag": "..."}})
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from knowledge.errors import InputError, NotFound

from ._time import iso
from .schema import sources

__all__ = ["SourceStore"]


class SourceStore:
    """The sources table: add, list, find, remove, and keep each source's crawl state."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def add(self, kind: str, location: str, every_s: int) -> dict[str, Any]:
        """A new source; InputError when this location is followed already."""
        with self.engine.begin() as conn:
            taken = conn.execute(select(sources.c.id).where(sources.c.location == location)).first()
            if taken is not None:
                raise InputError(f"{location} is already source {taken[0]}")
            new_id = conn.execute(insert(sources).values(kind=kind, location=location, every_s=int(every_s),
                                                         state={}, created_at=time.time())).inserted_primary_key[0]
        return self.get(new_id)

    def list(self) -> list[dict[str, Any]]:
        """Every source, oldest first (without its crawl state)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(sources).order_by(sources.c.id)).mappings().all()
        return [_public(r) for r in rows]

    def get(self, source_id: int) -> dict[str, Any]:
        """One source (without its crawl state); NotFound for an unknown id."""
        return _public(self._row(source_id))

    def state(self, source_id: int) -> dict[str, Any]:
        """The crawl state the last sync left (empty before the first)."""
        return dict(self._row(source_id)["state"] or {})

    def save_state(self, source_id: int, state: dict[str, Any]) -> None:
        """Keep the crawl state for the next sync."""
        with self.engine.begin() as conn:
            conn.execute(update(sources).where(sources.c.id == source_id).values(state=state))

    def remove(self, source_id: int) -> dict[str, Any]:
        """Forget a source; NotFound for an unknown id."""
        found = self.get(source_id)
        with self.engine.begin() as conn:
            conn.execute(delete(sources).where(sources.c.id == source_id))
        return found

    def _row(self, source_id: int):
        # Ids are positive and fit every database's integer: anything else names no source.
        if not isinstance(source_id, int) or isinstance(source_id, bool) or not 0 < source_id < 2**31:
            raise NotFound(f"no source {source_id!r}")
        with self.engine.connect() as conn:
            row = conn.execute(select(sources).where(sources.c.id == source_id)).mappings().first()
        if row is None:
            raise NotFound(f"no source {source_id}")
        return row


def _public(row) -> dict[str, Any]:
    return {"id": row["id"], "kind": row["kind"], "location": row["location"], "every_s": row["every_s"],
            "created_at": iso(row["created_at"])}
