"""Conversations: sessions and their turns in a SQL database, and follow-up rewriting.

SQLite in the data dir by default; any SQLAlchemy URL (PostgreSQL for several replicas).
A follow-up such as "and how much is it?" is turned into a standalone question before retrieval
by a cheap rule: short questions that lean on the previous turn (pronouns, "and ...", "what about")
get the previous question added. ``bench/followups.py`` compares it with rewriting by the chat
model; on its 12 demo cases the rule finds the right source first 67% of the time in 0.1 ms, the
model 58% in 383 ms (`bench/results/followups.json`), so the rule it is.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (JSON, Boolean, Column, Float, ForeignKey, Integer, MetaData, String, Table,
                        Text, create_engine, event, insert, select)

from knowledge.errors import InputError
from knowledge.keyword import tokenize

__all__ = ["ConversationStore", "Turn", "standalone_question", "database_url", "make_engine", "metadata",
           "new_session_id", "short_id"]

metadata = MetaData()

sessions = Table(
    "sessions", metadata,
    Column("id", String(64), primary_key=True),
    Column("created_at", Float, nullable=False),
    Column("meta", JSON, nullable=False, default=dict),
)

turns = Table(
    "turns", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(64), ForeignKey("sessions.id"), index=True, nullable=False),
    Column("question", Text, nullable=False),
    Column("standalone", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("refused", Boolean, nullable=False, default=False),
    Column("canned", Boolean, nullable=False, default=False),
    Column("sources", JSON, nullable=False, default=list),
    Column("created_at", Float, nullable=False),
)

_SESSION_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def new_session_id() -> str:
    """An unguessable session id: 192 random bits, 32 URL-safe characters."""
    return secrets.token_urlsafe(24)


def short_id(session_id: str | None) -> str:
    """The first characters of a session id, for logs (a full id would let a log reader resume it)."""
    return f"{session_id[:6]}…" if session_id else "-"


def database_url(url: str | None, data_dir: Path) -> str:
    """The SQLAlchemy URL to use: as given (plain ``postgresql://`` works), else SQLite in data_dir."""
    if not url:
        data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(data_dir / 'helpdesk.sqlite3').resolve()}"
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str):
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



@dataclass
class Turn:
    """One question and its answer in a session."""

    question: str
    standalone: str
    answer: str
    refused: bool = False
    canned: bool = False
    sources: list[dict[str, Any]] | None = None


class ConversationStore:
    """Sessions and turns, shared by every replica that points at the same database."""

    def __init__(self, url: str):
        self.engine = make_engine(url)
        metadata.create_all(self.engine)
        self._lock = threading.Lock()

    @staticmethod
    def check_id(session_id: str) -> str:
        """Return a valid session id or raise InputError naming the rule."""
        if not _SESSION_ID.match(session_id or ""):
            raise InputError("invalid session id: use 1-64 letters, digits, '.', ':', '_' or '-'")
        return session_id

    def new_session(self) -> str:
        """Create a session and return its id."""
        sid = new_session_id()
        with self.engine.begin() as conn:
            conn.execute(insert(sessions).values(id=sid, created_at=time.time(), meta={}))
        return sid

    def ensure(self, session_id: str | None) -> str:
        """The id of an existing session, or of a new one (an unknown id starts a session under it)."""
        if session_id is None:
            return self.new_session()
        self.check_id(session_id)
        with self.engine.begin() as conn:
            found = conn.execute(select(sessions.c.id).where(sessions.c.id == session_id)).first()
            if found is None:
                try:
                    conn.execute(insert(sessions).values(id=session_id, created_at=time.time(), meta={}))
                except Exception:  # created meanwhile by another request or replica
                    pass
        return session_id

    def history(self, session_id: str, limit: int = 6) -> list[Turn]:
        """The last ``limit`` turns of a session, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(turns).where(turns.c.session_id == session_id)
                .order_by(turns.c.id.desc()).limit(limit)
            ).mappings().all()
        return [Turn(r["question"], r["standalone"], r["answer"], r["refused"], r["canned"], r["sources"])
                for r in reversed(rows)]

    def add(self, session_id: str, turn: Turn) -> None:
        """Append a turn to a session."""
        with self.engine.begin() as conn:
            conn.execute(insert(turns).values(
                session_id=session_id, question=turn.question, standalone=turn.standalone,
                answer=turn.answer, refused=turn.refused, canned=turn.canned,
                sources=json.loads(json.dumps(turn.sources or [], ensure_ascii=False)),
                created_at=time.time()))


_FOLLOW_UP = re.compile(
    r"^(and|but|also|what about|how about|and what|so)\b|\b(it|its|it's|that|this|they|them|their|"
    r"those|these|he|she|his|her|him|there)\b|^(那|还有|那么|另外|它|他|她)|它|他们|她们|这个|那个|其|该",
    re.IGNORECASE,
)


def standalone_question(question: str, history: list[Turn]) -> str:
    """The question to search with: the question itself, or, for a follow-up, with context added."""
    if not history:
        return question
    if len(tokenize(question)) > 8 or not _FOLLOW_UP.search(question.strip()):
        return question
    previous = history[-1].standalone or history[-1].question
    # Content words of the previous question carry the topic the follow-up refers to.
    return f"{question} ({previous})"
