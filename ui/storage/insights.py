"""The figures of the console's Insights tab, counted in SQL over one period of answers.

Every figure is grouped by one key (the whole period, the language, the channel or the day), so
one set of queries serves the totals, each split and the chart. A conversation counts in a group
when one of its answers falls in it; feedback counts with the answer it rates. Only latency
percentiles read rows into Python: the two latency columns of the period's answers.

Channels are the conversations' owners: ``chat`` (the web chat), ``api``, ``widget:<site key id>``,
and ``other`` for conversations started outside the server (``helpdesk ask``).
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import Engine, Float, and_, case, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from .schema import citations, faq_entries, feedback, handoffs, session_owners, turns

__all__ = ["InsightFigures", "OUTCOMES", "percentile"]

OUTCOMES = ("answered", "canned", "refused", "handoff", "error")
DAY_S = 86400

# Rows written before outcomes were recorded follow their refused and canned flags.
OUTCOME = func.coalesce(turns.c.outcome, case((turns.c.canned, "canned"), (turns.c.refused, "refused"),
                                              else_="answered"))
LANGUAGE = func.coalesce(turns.c.lang, "unknown")
CHANNEL = func.coalesce(session_owners.c.owner, "other")
_FROM = turns.outerjoin(session_owners, session_owners.c.session_id == turns.c.session_id)


class _day(FunctionElement):
    """The UTC day number of an epoch-seconds column (floor of seconds / 86400)."""

    type = Float()
    inherit_cache = True


@compiles(_day)
def _day_default(element, compiler, **kw):
    return f"FLOOR({compiler.process(element.clauses, **kw)} / {DAY_S})"


@compiles(_day, "sqlite")
def _day_sqlite(element, compiler, **kw):  # SQLite may lack FLOOR; the seconds are positive
    return f"CAST({compiler.process(element.clauses, **kw)} / {DAY_S} AS INTEGER)"


KEYS = {"all": literal("all"), "language": LANGUAGE, "channel": CHANNEL, "day": _day(turns.c.created_at)}


def percentile(values: list[float], p: float) -> float | None:
    """The nearest-rank ``p``-th percentile of ``values`` (None when there are none)."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)], 1)


class InsightFigures:
    """Counts over the answers of a period ``[start, end)`` in epoch seconds."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def figures(self, start: float, end: float, by: str = "all") -> dict[Any, dict[str, Any]]:
        """Per key of ``by`` (all, language, channel, day): conversations, outcomes, deflection,
        feedback and latency_ms."""
        key = KEYS[by].label("key")
        keyed = [] if by == "all" else [key]  # a constant cannot be grouped by (PostgreSQL)
        period = and_(turns.c.created_at >= start, turns.c.created_at < end)
        handed = turns.c.session_id.in_(select(handoffs.c.session_id))
        thumbs_down = turns.c.session_id.in_(select(feedback.c.session_id).where(feedback.c.rating < 0))
        deflected = case((~handed & ~thumbs_down, turns.c.session_id))
        with self.engine.connect() as conn:
            talks = conn.execute(select(key, func.count(turns.c.session_id.distinct()),
                                        func.count(deflected.distinct()))
                                 .select_from(_FROM).where(period).group_by(*keyed)).all()
            mix = conn.execute(select(key, OUTCOME, func.count()).select_from(_FROM).where(period)
                               .group_by(*keyed, OUTCOME)).all()
            votes = conn.execute(select(key, feedback.c.rating, func.count())
                                 .select_from(_FROM.join(feedback, feedback.c.turn_id == turns.c.id))
                                 .where(period).group_by(*keyed, feedback.c.rating)).all()
            timed = conn.execute(select(key, turns.c.first_token_ms, turns.c.total_ms).select_from(_FROM)
                                 .where(period, turns.c.total_ms.is_not(None))).all()
        out: dict[Any, dict[str, Any]] = {}
        for k, n, kept in talks:
            out[_key(k)] = {"conversations": n, "outcomes": dict.fromkeys(OUTCOMES, 0),
                            "deflection": round(kept / n, 4) if n else None,
                            "feedback": {"up": 0, "down": 0}}
        for k, outcome, n in mix:
            out[_key(k)]["outcomes"][outcome] = out[_key(k)]["outcomes"].get(outcome, 0) + n
        for k, rating, n in votes:
            out[_key(k)]["feedback"]["up" if rating > 0 else "down"] += n
        first: dict[Any, list[float]] = {}
        total: dict[Any, list[float]] = {}
        for k, f, t in timed:
            if f is not None:
                first.setdefault(_key(k), []).append(f)
            total.setdefault(_key(k), []).append(t)
        for k, figures in out.items():
            figures["latency_ms"] = {"first_token_p50": percentile(first.get(k, []), 50),
                                     "first_token_p95": percentile(first.get(k, []), 95),
                                     "total_p50": percentile(total.get(k, []), 50),
                                     "total_p95": percentile(total.get(k, []), 95)}
        return out

    def citations(self, start: float, end: float) -> dict[str, int]:
        """How many answers of the period cited each document, most cited first."""
        n = func.count(citations.c.id)
        with self.engine.connect() as conn:
            return dict(conn.execute(
                select(citations.c.source, n).join(turns, turns.c.id == citations.c.turn_id)
                .where(turns.c.created_at >= start, turns.c.created_at < end)
                .group_by(citations.c.source).order_by(n.desc(), citations.c.source)).all())

    def thumbs_down_by_document(self, start: float, end: float, limit: int = 20) -> dict[str, int]:
        """Thumbs down on answers of the period, per document those answers cited, most first."""
        n = func.count(feedback.c.id.distinct())
        with self.engine.connect() as conn:
            return dict(conn.execute(
                select(citations.c.source, n).select_from(
                    feedback.join(turns, turns.c.id == feedback.c.turn_id)
                    .join(citations, citations.c.turn_id == turns.c.id))
                .where(feedback.c.rating < 0, turns.c.created_at >= start, turns.c.created_at < end)
                .group_by(citations.c.source).order_by(n.desc(), citations.c.source).limit(limit)).all())

    def gap_questions(self, start: float, end: float, limit: int = 1000) -> list[tuple[str, float, str]]:
        """(question, when, "refused" or "thumbs down") for the period's refused and thumbs-down
        answers, latest first, leaving out questions an FAQ entry already holds word for word."""
        with self.engine.connect() as conn:
            refused = conn.execute(select(turns.c.question, turns.c.created_at)
                                   .where(turns.c.refused.is_(True), turns.c.created_at >= start,
                                          turns.c.created_at < end)
                                   .order_by(turns.c.id.desc()).limit(limit)).all()
            down = conn.execute(select(feedback.c.question, feedback.c.created_at)
                                .where(feedback.c.rating < 0, feedback.c.created_at >= start,
                                       feedback.c.created_at < end)
                                .order_by(feedback.c.id.desc()).limit(limit)).all()
            covered = {_words(q) for q in conn.execute(select(faq_entries.c.question)).scalars()}
        found = [(q, at, "refused") for q, at in refused] + [(q, at, "thumbs down") for q, at in down]
        return sorted((g for g in found if _words(g[0]) not in covered), key=lambda g: -g[1])


def _key(value: Any) -> Any:
    return int(value) if isinstance(value, float) else value


def _words(question: str) -> str:
    return " ".join(question.casefold().split())
