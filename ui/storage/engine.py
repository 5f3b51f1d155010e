"""The database URL and the one SQLAlchemy engine the server's stores share.

SQLite in the data dir by default; any SQLAlchemy URL (PostgreSQL for several replicas).
"""

from __future__ import annotations

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
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()
