"""The database URL and the one SQLAlchemy engine the server's stores share.

SQLite in the data dir by default; any SQLAlchemy URL (PostgreSQL for several replicas).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event

__all__ = ["database_url", "make_engine"]


def database_url(url: str | None, data_dir: Path) -> str:
    """The SQLAlchemy URL to use: as given (plain ``postgresql://`` works), else SQLite in data_dir."""
    if not url:
        data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(data_dir / 'helpdesk.sqlite3').resolve()}"
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str) -> Engine:
    """A SQLAlchemy engine for ``url``, set up for many threads (and WAL mode on SQLite)."""
    kwargs: dict[str, Any] = {"future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        # Readers no longer block the writer: many chats record turns and counters at once.
        event.listen(engine, "connect", _sqlite_wal)
    return engine


def _sqlite_wal(dbapi_conn, _record) -> None:
    # Turning a new file to WAL needs it alone for an instant: a second process doing the same at
    # that moment gets "database is locked" at once (SQLite skips the busy wait there to avoid a
    # deadlock), so it tries again shortly. Once the file is in WAL mode this is a no-op.
    for attempt in range(100):
        try:
            dbapi_conn.execute("PRAGMA journal_mode=WAL").close()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 99:
                raise
            time.sleep(0.05)
