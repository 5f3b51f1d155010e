"""Opening hours as people write them (ui/hours.py): parsing, open or not, when they next open."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from knowledge.errors import InputError
from ui.hours import OpeningHours

AMS = "Mon-Fri 09:00-17:00 Europe/Amsterdam"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def test_weekday_hours_in_their_own_zone():
    h = OpeningHours.parse(AMS)
    # Monday 30 Nov 2026: Amsterdam is UTC+1 in winter
    assert not h.is_open(utc(2026, 11, 30, 7, 59))
    assert h.is_open(utc(2026, 11, 30, 8, 0))
    assert h.is_open(utc(2026, 11, 30, 15, 59))
    assert not h.is_open(utc(2026, 11, 30, 16, 0))
    assert not h.is_open(utc(2026, 12, 5, 12, 0))  # Saturday


def test_summer_time_moves_the_hours_in_utc():
    h = OpeningHours.parse(AMS)
    assert h.is_open(utc(2026, 7, 6, 7, 0))  # Monday 09:00 CEST = 07:00 UTC
    assert not h.is_open(utc(2026, 7, 6, 15, 0))


def test_next_open_after_the_weekend_and_in_the_evening():
    h = OpeningHours.parse(AMS)
    opens = h.next_open(utc(2026, 12, 4, 18, 0))  # Friday evening
    assert opens.isoformat() == "2026-12-07T09:00:00+01:00"
    assert h.next_open(utc(2026, 11, 30, 20, 0)).isoformat() == "2026-12-01T09:00:00+01:00"
    assert h.next_open(utc(2026, 11, 30, 6, 0)).isoformat() == "2026-11-30T09:00:00+01:00"
    assert h.next_open(utc(2026, 11, 30, 10, 0)) == utc(2026, 11, 30, 10, 0)  # open now


def test_several_rules_wrapping_days_and_midnight():
    h = OpeningHours.parse("Fri-Mon 10:00-12:00, Wed 20:00-24:00 UTC")
    assert [bool(d) for d in h.ranges] == [True, False, True, False, True, True, True]
    assert h.is_open(utc(2026, 12, 2, 23, 59))  # Wednesday
    assert not h.is_open(utc(2026, 12, 3, 0, 0))
    assert OpeningHours.parse("Sat 10:00-11:00").zone.key == "UTC"


@pytest.mark.parametrize("text, words", [
    ("", "empty"), ("Mon-Fri", "cannot read"), ("Mon-Fri 17:00-09:00 UTC", "end before"),
    ("Mon-Fry 09:00-17:00", "unknown day"), ("Mon 09:00-25:00", "not a time"), ("Mon 09:61-10:00", "not a time"),
    ("Mon-Fri 09:00-17:00 Mars/Olympus", "unknown time zone"), ("x" * 5000, "cannot read"),
    ("Mon 09:00-17:00 ../../etc/passwd", "unknown time zone"),
])
def test_bad_hours_are_refused_with_the_reason(text, words):
    with pytest.raises(InputError, match=words):
        OpeningHours.parse(text)
