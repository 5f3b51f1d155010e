"""The audit log: who did what to what, and when (sign-ins, uploads, deletions, FAQ edits, site
keys, user changes, claims and releases). Rows are only ever added; admins read them.

    >>> audit = AuditLog(engine)
    >>> audit.record("ana", "faq.save", "#3", {"question": "How long do refunds take?"})
    >>> audit.entries(limit=1)[0]["action"]
    'faq.save'
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from sqlalchemy import Engine, insert, select

from ._time import iso
from .schema import audit_log

__all__ = ["AuditLog"]

log = logging.getLogger("helpdesk.audit")

_DETAIL_MAX = 4000  # characters of JSON kept per entry: a detail names what changed, it is no copy of it


class AuditLog:
    """Append and read audit entries in the shared database."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def record(self, actor: str, action: str, target: str = "", detail: dict | None = None) -> None:
        """Add one entry: ``actor`` (a staff name) did ``action`` (``"user.add"``) to ``target``.

        A failure is logged, never raised: the action itself has happened and must not be undone
        or reported as failed because its record could not be written."""
        detail = dict(detail or {})
        if len(json.dumps(detail, ensure_ascii=False, default=str)) > _DETAIL_MAX:
            detail = {"truncated": json.dumps(detail, ensure_ascii=False, default=str)[:_DETAIL_MAX]}
        row = {"at": time.time(), "actor": str(actor or "")[:64], "action": str(action)[:40],
               "target": str(target or "")[:500], "detail": json.loads(json.dumps(detail, default=str))}
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(audit_log).values(**row))
        except Exception as exc:
            log.error("audit entry not written (%s %s %s): %s", row["actor"], row["action"], row["target"], exc)

    def entries(self, *, actor: str | None = None, action: str | None = None, limit: int = 100,
                before_id: int | None = None) -> list[dict[str, Any]]:
        """Entries newest first, optionally of one actor or one action (an action ending in ``.``
        matches its family, e.g. ``"user."``); ``before_id`` pages back."""
        query = select(audit_log).order_by(audit_log.c.id.desc()).limit(max(1, min(int(limit), 1000)))
        if actor:
            query = query.where(audit_log.c.actor == actor)
        if action:
            query = query.where(audit_log.c.action.startswith(action, autoescape=True) if action.endswith(".")
                                else audit_log.c.action == action)
        if before_id is not None:
            query = query.where(audit_log.c.id < before_id)
        with self.engine.connect() as conn:
            return [{"id": r["id"], "at": iso(r["at"]), "actor": r["actor"], "action": r["action"],
                     "target": r["target"], "detail": r["detail"] or {}} for r in conn.execute(query).mappings()]
