"""Counters behind the limits: rate-limit windows and failed admin logins.

Rows in the shared database, so a limit holds across replicas behind a load balancer.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import Engine, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from .schema import login_failures, rate_counters

__all__ = ["RateCounters", "LoginFailures"]


class RateCounters:
    """Events per key in fixed windows (a minute, an hour, a day)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._sweep_lock = threading.Lock()
        self._swept = 0

    def hit(self, key: str, window_s: int = 60) -> tuple[int, float]:
        """Count one event for ``key`` in the current window: (events so far, seconds left in it).

        Windows are aligned to the epoch (a day window starts at 00:00 UTC); a counter row is
        named by the second its window ends, so one sweep clears expired rows of every size.
        """
        now = time.time()
        end = (int(now // window_s) + 1) * window_s
        where = and_(rate_counters.c.key == key[:200], rate_counters.c.window == end)
        with self.engine.begin() as conn:
            if not conn.execute(update(rate_counters).where(where)
                                .values(count=rate_counters.c.count + 1)).rowcount:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(rate_counters).values(key=key[:200], window=end, count=1))
                except IntegrityError:  # created by a concurrent request
                    conn.execute(update(rate_counters).where(where).values(count=rate_counters.c.count + 1))
            count = conn.execute(select(rate_counters.c.count).where(where)).scalar() or 1
        self._sweep(int(now))
        return count, end - now

    def _sweep(self, now: int) -> None:
        if now - self._swept < 60 or not self._sweep_lock.acquire(blocking=False):
            return
        try:
            with self.engine.begin() as conn:
                conn.execute(delete(rate_counters).where(rate_counters.c.window <= now))
            self._swept = now
        finally:
            self._sweep_lock.release()


class LoginFailures:
    """Failed admin logins per client address and per account, with a doubling back-off."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._swept = 0.0

    def attempt(self, key: str, free: int, backoff_s: float, max_s: float) -> float:
        """Count a login attempt for ``key`` before its password is checked.

        Returns 0 when the attempt may go ahead, else the seconds until ``key`` may try again (the
        attempt is then not counted). After ``free`` attempts without a success, each further one
        locks ``key`` for ``backoff_s`` doubling up to ``max_s``. Counting first, in one
        transaction, means concurrent guesses cannot all slip in before the first one fails.
        """
        now = time.time()
        key = key[:200]
        c = login_failures.c
        bump = (update(login_failures).where(and_(c.key == key, c.locked_until <= now))
                .values(failures=c.failures + 1, last_at=now))
        with self.engine.begin() as conn:
            if not conn.execute(bump).rowcount:
                until = conn.execute(select(c.locked_until).where(c.key == key)).scalar()
                if until is None:
                    try:
                        with conn.begin_nested():
                            conn.execute(insert(login_failures).values(key=key, failures=1, locked_until=0.0,
                                                                       last_at=now))
                    except IntegrityError:  # a concurrent attempt created it: count this one on it
                        if not conn.execute(bump).rowcount:
                            until = conn.execute(select(c.locked_until).where(c.key == key)).scalar()
                if until is not None:
                    return max(0.001, until - time.time())  # not ``now``: waiting for the lock took time
            failures = conn.execute(select(c.failures).where(c.key == key)).scalar()
            if failures >= free:
                delay = min(max_s, backoff_s * 2 ** min(failures - free, 30))
                conn.execute(update(login_failures).where(c.key == key).values(locked_until=now + delay))
        self._sweep(now)
        return 0.0

    def succeeded(self, *keys: str) -> None:
        """Forget the failures of ``keys`` (a correct password was given)."""
        with self.engine.begin() as conn:
            conn.execute(delete(login_failures).where(login_failures.c.key.in_([k[:200] for k in keys])))

    def _sweep(self, now: float) -> None:
        if now - self._swept < 3600:
            return
        self._swept = now
        with self.engine.begin() as conn:  # a day without attempts forgets an address
            conn.execute(delete(login_failures).where(and_(login_failures.c.last_at < now - 86400,
                                                           login_failures.c.locked_until < now)))
