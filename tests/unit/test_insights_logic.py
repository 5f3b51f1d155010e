"""The pure parts of insights: the period a request names, and nearest-rank percentiles."""

from __future__ import annotations

from datetime import date

import pytest

from knowledge.errors import InputError
from ui.insights import MAX_DAYS, period
from ui.storage.insights import percentile

TODAY = date(2026, 11, 30)


def test_the_period_defaults_to_the_last_30_days_and_takes_either_end():
    assert period(None, None, TODAY) == (date(2026, 11, 1), TODAY)
    assert period("2026-01-01", "2026-01-01", TODAY) == (date(2026, 1, 1), date(2026, 1, 1))
    assert period(None, "2026-03-31", TODAY) == (date(2026, 3, 2), date(2026, 3, 31))
    assert period("2026-11-20", None, TODAY) == (date(2026, 11, 20), TODAY)
    first, last = period("2025-11-30", "2026-11-30", TODAY)
    assert (last - first).days + 1 == MAX_DAYS


@pytest.mark.parametrize("start, end, named", [
    ("2026-02-30", None, "'from'"), ("26-01-01", None, "'from'"), ("2026/01/01", None, "'from'"),
    (None, "tomorrow", "'to'"), (None, "２０２６-０１-０１", "'to'"), (None, "2026-01-01T00:00", "'to'"),
    ("2026-02-01", "2026-01-01", "after 'to'"), ("2025-01-01", "2026-11-30", "at most 366"),
])
def test_bad_periods_name_the_parameter(start, end, named):
    with pytest.raises(InputError, match=named):
        period(start, end, TODAY)


def test_nearest_rank_percentiles():
    assert percentile([], 50) is None
    assert percentile([7.0], 95) == 7.0
    values = [10, 20, 30, 50, 400, 600, 800]
    assert (percentile(values, 50), percentile(values, 95)) == (50, 800)
    assert (percentile([3, 1, 2, 4], 50), percentile([3, 1, 2, 4], 95)) == (2, 4)
