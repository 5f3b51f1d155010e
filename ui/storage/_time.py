"""Timestamps as the stores hand them out: ISO 8601 in UTC."""

from __future__ import annotations

import math
import time

__all__ = ["iso"]


def iso(ts: float | None) -> str:
    """``2024-05-01T12:00:00Z`` for epoch seconds; "" for none."""
    if ts is None or (isinstance(ts, float) and math.isnan(ts)):
        return ""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
