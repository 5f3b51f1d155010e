"""The last uploaded version of each document, kept in the shared database for re-ingestion.

In the database rather than the data dir, so that "re-ingest" works on any replica behind a load
balancer, not only on the one that received the upload. Files are bounded by the upload limit
(``HELPDESK_SERVER__UPLOAD_MAX_MB``).

    >>> kept = Originals(engine)
    >>> kept.keep("en/returns.md", Path("returns.md"))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = kept.restore("en/returns.md", Path(tmp))   # tmp/returns.md, or None
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from sqlalchemy import Engine, delete, insert, select

from .schema import originals

__all__ = ["Originals"]

class Originals:
    """Keep, find, restore and forget the original file of a document, by its source name."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def keep(self, source: str, path: Path) -> None:
        """Keep the file at ``path`` as the original of ``source`` (replacing an older one)."""
        data = Path(path).read_bytes()
        with self.engine.begin() as conn:
            conn.execute(delete(originals).where(originals.c.source == source))
            conn.execute(insert(originals).values(source=source, data=data, size=len(data),
                                                  sha256=hashlib.sha256(data).hexdigest(),
                                                  stored_at=time.time()))

    def sources(self) -> set[str]:
        """Every document whose original is kept."""
        with self.engine.connect() as conn:
            return set(conn.execute(select(originals.c.source)).scalars())

    def restore(self, source: str, folder: Path) -> Path | None:
        """Write the original of ``source`` into ``folder`` (under its base name); None if not kept."""
        with self.engine.connect() as conn:
            data = conn.execute(select(originals.c.data).where(originals.c.source == source)).scalar()
        if data is None:
            return None
        path = Path(folder) / Path(source).name
        path.write_bytes(data)
        return path

    def forget(self, source: str) -> None:
        """Drop the kept original of ``source``."""
        with self.engine.begin() as conn:
            conn.execute(delete(originals).where(originals.c.source == source))
