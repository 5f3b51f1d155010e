"""Insights for a period: what the figures are, and the admin endpoints that serve them.

``GET /api/v1/insights?from=YYYY-MM-DD&to=YYYY-MM-DD`` (both days included, UTC; the last 30 days
by default; at most 366 days) returns ``conversations``, ``outcomes`` {answered, canned, refused,
handoff, error}, ``deflection`` (the share of conversations with no hand-off and no thumbs down),
``feedback`` {up, down}, ``latency_ms`` {first_token_p50, first_token_p95, total_p50, total_p95},
the same figures ``by_language``, ``by_channel`` and ``per_day``, and ``documents`` (citations per
document, documents never cited, documents whose answers got thumbs down). ``GET
/api/v1/insights/gaps`` groups the period's refused and thumbs-down questions by meaning
(``ui/gaps.py``). Both need the admin API key. The console's Insights tab shows the same.

Outcomes count answers: each is answered, canned (an FAQ entry word for word), refused or error;
an answer after which the customer asked for a person counts as handoff instead.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Query

from knowledge.errors import InputError

from .deps import ERR, ServiceDep, require_admin
from .gaps import group_gaps
from .knowledge_admin import FAQ_SOURCE
from .storage._time import iso
from .storage.insights import DAY_S, OUTCOMES, InsightFigures

__all__ = ["router", "Insights", "period", "MAX_DAYS"]

MAX_DAYS = 366
DEFAULT_DAYS = 30
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _day(value: str | None, name: str) -> date | None:
    if value is None or value == "":
        return None
    try:
        if not isinstance(value, str) or not _DATE.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"'{name}' must be a date as YYYY-MM-DD, got {str(value)[:40]!r}") from None


def period(start: str | None, end: str | None, today: date | None = None) -> tuple[date, date]:
    """The days ``from`` and ``to`` name (both included), or InputError naming the bad parameter."""
    first, last = _day(start, "from"), _day(end, "to")
    today = today or datetime.now(UTC).date()
    last = last or today
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise InputError(f"'from' ({first}) is after 'to' ({last})")
    if (last - first).days + 1 > MAX_DAYS:
        raise InputError(f"the period from 'from' to 'to' is {(last - first).days + 1} days; at most {MAX_DAYS}")
    return first, last


def _epoch(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()


def _empty() -> dict[str, Any]:
    return {"conversations": 0, "outcomes": dict.fromkeys(OUTCOMES, 0), "deflection": None,
            "feedback": {"up": 0, "down": 0},
            "latency_ms": dict.fromkeys(("first_token_p50", "first_token_p95", "total_p50", "total_p95"))}


class Insights:
    """The figures of a period over a Service's storage and knowledge base."""

    def __init__(self, service):
        self.service = service
        self.figures = InsightFigures(service.storage.engine)

    def report(self, first: date, last: date) -> dict[str, Any]:
        """Every figure of the days ``first`` to ``last`` (both included), as the API returns them."""
        start, end = _epoch(first), _epoch(last) + DAY_S
        f = self.figures
        days = f.figures(start, end, "day")
        per_day = []
        for n in range((last - first).days + 1):
            day = first + timedelta(days=n)
            per_day.append({"date": day.isoformat(), **days.get(int(_epoch(day) // DAY_S), _empty())})
        cited = f.citations(start, end)
        return {"from": first.isoformat(), "to": last.isoformat(), **f.figures(start, end)["all"],
                "by_language": f.figures(start, end, "language"), "by_channel": f.figures(start, end, "channel"),
                "per_day": per_day,
                "documents": {"citations": [{"source": s, "citations": n} for s, n in cited.items()],
                              "never_cited": [s for s in self._documents() if s not in cited],
                              "thumbs_down": [{"source": s, "down": n}
                                              for s, n in f.thumbs_down_by_document(start, end).items()]}}

    def gaps(self, first: date, last: date, limit: int = 50) -> list[dict[str, Any]]:
        """The period's refused and thumbs-down questions grouped by meaning, largest group first."""
        knowledge = self.service.require_bot().knowledge
        found = self.figures.gap_questions(_epoch(first), _epoch(last) + DAY_S)
        groups = group_gaps(found, knowledge.embed_query, knowledge.embedder_name, limit)
        for g in groups:
            g["last_at"] = iso(g["last_at"])
        return groups

    def _documents(self) -> list[str]:
        bot = self.service.bot
        if bot is None or self.service.state != "ready":
            return []
        return sorted(d.source for d in bot.knowledge.documents() if d.source != FAQ_SOURCE)


router = APIRouter(prefix="/api/v1/insights", tags=["admin"], dependencies=[Depends(require_admin)],
                   responses={400: ERR, 401: ERR})

_FROM = Query(None, alias="from", description="First day, YYYY-MM-DD (UTC); 30 days before 'to' by default.")
_TO = Query(None, alias="to", description="Last day, YYYY-MM-DD (UTC), included; today by default.")


@router.get("")
def insights(service: ServiceDep, start: str | None = _FROM, end: str | None = _TO) -> dict[str, Any]:
    """Conversations, outcomes, deflection, feedback and latency of a period, split by language,
    channel and day, with the knowledge's usage."""
    return Insights(service).report(*period(start, end))


@router.get("/gaps", responses={503: ERR})
def gaps(service: ServiceDep, start: str | None = _FROM, end: str | None = _TO,
         limit: int = Query(50, ge=1, le=200)) -> dict[str, Any]:
    """Refused and thumbs-down questions of a period grouped by meaning across languages, with
    count, examples and last seen, largest group first."""
    first, last = period(start, end)
    return {"from": first.isoformat(), "to": last.isoformat(), "gaps": Insights(service).gaps(first, last, limit)}
