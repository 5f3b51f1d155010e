"""FAQ entries written in the admin console (published to the knowledge base as one FAQ document)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from knowledge.errors import InputError, NotFound

from ._time import iso
from .schema import DEFAULT_BOT, faq_entries

__all__ = ["FaqEntries"]


class FaqEntries:
    """List, add, change and remove the admin's FAQ entries."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def entries(self, bot: str = DEFAULT_BOT) -> list[dict[str, Any]]:
        """``bot``'s FAQ entries managed in the admin console, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(faq_entries).where(faq_entries.c.bot == bot)
                                .order_by(faq_entries.c.id)).mappings()
            return [{"id": r["id"], "question": r["question"], "answer": r["answer"],
                     "updated_at": iso(r["updated_at"])} for r in rows]

    def save(self, question: str, answer: str, entry_id: int | None = None, bot: str = DEFAULT_BOT) -> int:
        """Add an FAQ entry of ``bot``, or change its entry ``entry_id``; returns its id."""
        question, answer = question.strip(), answer.strip()
        if not question or not answer:
            raise InputError("an FAQ entry needs a question and an answer")
        if len(question) > 1000 or len(answer) > 8000:
            raise InputError("an FAQ question is at most 1000 characters and its answer 8000")
        now = time.time()
        with self.engine.begin() as conn:
            if entry_id is None:
                return conn.execute(insert(faq_entries).values(
                    question=question, answer=answer, created_at=now, updated_at=now, bot=bot,
                )).inserted_primary_key[0]
            done = conn.execute(update(faq_entries).where(faq_entries.c.id == entry_id, faq_entries.c.bot == bot)
                                .values(question=question, answer=answer, updated_at=now)).rowcount
        if not done:
            raise NotFound(f"no FAQ entry #{entry_id}")
        return entry_id

    def delete(self, entry_id: int, bot: str = DEFAULT_BOT) -> None:
        """Remove ``bot``'s FAQ entry ``entry_id``."""
        with self.engine.begin() as conn:
            where = (faq_entries.c.id == entry_id, faq_entries.c.bot == bot)
            if not conn.execute(delete(faq_entries).where(*where)).rowcount:
                raise NotFound(f"no FAQ entry #{entry_id}")
