"""Opening hours of the support team, as people write them: ``Mon-Fri 09:00-17:00 Europe/Amsterdam``.

Rules are separated by commas and share one time zone, named last (an IANA name; UTC when left
out): ``Mon-Fri 09:00-17:00, Sat 10:00-14:00 Europe/Amsterdam``. A rule covers one day or a range
of days (``Fri-Mon`` wraps over the weekend) and a time range within the day (``24:00`` ends at
midnight). Pure: the caller passes the time, so tests need no clock.

    >>> hours = OpeningHours.parse("Mon-Fri 09:00-17:00 Europe/Amsterdam")
    >>> hours.is_open(datetime(2026, 11, 30, 9, 30, tzinfo=timezone.utc))
    True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from knowledge.errors import InputError

__all__ = ["OpeningHours", "DAYS"]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RULE = re.compile(r"^(?P<d1>[a-z]{3})(?:\s*-\s*(?P<d2>[a-z]{3}))?\s+(?P<t1>\d{1,2}:\d{2})\s*-\s*(?P<t2>\d{1,2}:\d{2})$")


@dataclass(frozen=True)
class OpeningHours:
    """Weekly opening hours in one time zone: for each weekday (0 = Monday), its open ranges in minutes."""

    zone: ZoneInfo
    ranges: tuple[tuple[tuple[int, int], ...], ...]  # 7 days, each ((start_min, end_min), ...)
    text: str

    @classmethod
    def parse(cls, text: str) -> OpeningHours:
        """The hours ``text`` describes, or InputError naming what is wrong with it."""
        if not isinstance(text, str) or not text.strip():
            raise InputError("opening hours are empty: write e.g. 'Mon-Fri 09:00-17:00 Europe/Amsterdam'")
        body, zone = _split_zone(text.strip())
        days: list[list[tuple[int, int]]] = [[] for _ in DAYS]
        for part in body.split(","):
            m = _RULE.match(part.strip().lower())
            if not m:
                raise InputError(f"cannot read the opening hours {part.strip()!r}: write e.g. 'Mon-Fri 09:00-17:00'")
            first, last = _day(m["d1"]), _day(m["d2"] or m["d1"])
            start, end = _minutes(m["t1"]), _minutes(m["t2"])
            if end <= start:
                raise InputError(f"opening hours {part.strip()!r} end before they start (a range past midnight "
                                 "is two rules: 'Fri 22:00-24:00, Sat 00:00-06:00')")
            day = first
            while True:
                days[day].append((start, end))
                if day == last:
                    break
                day = (day + 1) % 7
        return cls(zone, tuple(tuple(sorted(d)) for d in days), text.strip())

    def is_open(self, at: datetime) -> bool:
        """Whether ``at`` (any aware datetime) falls within the hours."""
        local = at.astimezone(self.zone)
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self.ranges[local.weekday()])

    def next_open(self, at: datetime) -> datetime | None:
        """``at`` when open, else the next time the hours start (in their zone); None when never open."""
        if self.is_open(at):
            return at.astimezone(self.zone)
        local = at.astimezone(self.zone)
        for ahead in range(8):
            day = (local + timedelta(days=ahead)).date()
            for start, _ in self.ranges[day.weekday()]:
                opens = datetime.combine(day, time(start // 60, start % 60), self.zone)
                if opens > local:
                    return opens
        return None


def _split_zone(text: str) -> tuple[str, ZoneInfo]:
    head, _, last = text.rpartition(" ")
    if head and not re.search(r"\d", last) and (last[:1].isupper() or "/" in last or last.upper() == "UTC"):
        try:
            return head, ZoneInfo(last)
        except (ZoneInfoNotFoundError, ValueError):
            raise InputError(f"unknown time zone {last!r} in the opening hours: use an IANA name such as "
                             "'Europe/Amsterdam' or 'UTC'") from None
    return text, ZoneInfo("UTC")


def _day(name: str) -> int:
    if name not in DAYS:
        raise InputError(f"unknown day {name!r} in the opening hours: use Mon, Tue, Wed, Thu, Fri, Sat, Sun")
    return DAYS.index(name)


def _minutes(hhmm: str) -> int:
    hours, minutes = (int(x) for x in hhmm.split(":"))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise InputError(f"{hhmm!r} is not a time of day (00:00 to 24:00)")
    return hours * 60 + minutes

