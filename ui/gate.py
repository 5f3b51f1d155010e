"""Admission control: how many answers run at once, how many wait, and per-client rate limits.

A CPU runs one small model answer at a time well; more at once only makes all of them slow. The
gate lets ``limit`` answers run, keeps up to ``queue_size`` waiting in arrival order, and turns
away the rest at once with :class:`Busy`, so a crowded server says "please wait" instead of
timing out. The gate is per process; the rate limit is per client across every replica (its
counters are rows in the shared database).
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from knowledge.errors import HelpdeskError

__all__ = ["Gate", "Busy", "RateLimited", "RateLimiter"]


class Busy(HelpdeskError):
    """Every answer slot is taken and the queue is full (or the wait was too long)."""

    def __init__(self, retry_after: float = 5.0):
        super().__init__("busy")
        self.retry_after = max(1, math.ceil(retry_after))


class RateLimited(HelpdeskError):
    """A client sent more messages than the per-minute limit allows."""

    def __init__(self, retry_after: float):
        super().__init__("rate limited")
        self.retry_after = max(1, math.ceil(retry_after))


class Gate:
    """At most ``limit`` holders at once, at most ``queue_size`` waiting, first come first served."""

    def __init__(self, limit: int = 1, queue_size: int = 16, timeout_s: float = 90.0):
        self.limit, self.queue_size, self.timeout_s = limit, queue_size, timeout_s
        self._cond = threading.Condition()
        self._active = 0
        self._waiting: deque[int] = deque()
        self._tickets = itertools.count()
        self._served = 0
        self._busy_seconds = 0.0

    @property
    def active(self) -> int:
        """Answers running now."""
        return self._active

    @property
    def waiting(self) -> int:
        """Answers waiting for a slot now."""
        return len(self._waiting)

    def join(self) -> int:
        """Take a place in the queue (or a free slot at once); raise Busy when the queue is full."""
        with self._cond:
            if self._active < self.limit and not self._waiting:
                self._active += 1
                return -1
            if len(self._waiting) >= self.queue_size:
                raise Busy(self.estimate(len(self._waiting)))
            ticket = next(self._tickets)
            self._waiting.append(ticket)
            return ticket

    def wait(self, ticket: int, timeout: float) -> int | None:
        """Wait up to ``timeout`` s for ``ticket``'s turn: None once it holds a slot, else places ahead."""
        if ticket < 0:
            return None
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                if self._waiting and self._waiting[0] == ticket and self._active < self.limit:
                    self._waiting.popleft()
                    self._active += 1
                    self._cond.notify_all()
                    return None
                left = deadline - time.monotonic()
                if left <= 0:
                    return self._waiting.index(ticket)
                self._cond.wait(left)

    def leave(self, ticket: int, *, started: bool) -> None:
        """Give back a slot (``started``) or a place in the queue."""
        with self._cond:
            if started:
                self._active -= 1
            elif ticket in self._waiting:
                self._waiting.remove(ticket)
            self._cond.notify_all()

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold a slot for the duration of the block, waiting at most ``timeout_s`` for it."""
        ticket = self.join()
        if self.wait(ticket, self.timeout_s) is not None:
            self.leave(ticket, started=False)
            raise Busy(self.estimate(self.waiting))
        t0 = time.monotonic()
        try:
            yield
        finally:
            self.leave(ticket, started=True)
            self.record(time.monotonic() - t0)

    def record(self, seconds: float) -> None:
        """Remember how long a slot was held, for Retry-After estimates."""
        with self._cond:
            self._served += 1
            self._busy_seconds += seconds

    def estimate(self, ahead: int) -> float:
        """Seconds until ``ahead`` waiting answers are likely done (a Retry-After hint)."""
        mean = self._busy_seconds / self._served if self._served else 5.0
        return min(60.0, max(2.0, mean * (ahead + 1) / self.limit))


class RateLimiter:
    """``per_minute`` events per client key, counted in the shared database (0 turns it off)."""

    def __init__(self, counters, per_minute: int):
        self.counters, self.per_minute = counters, per_minute

    def check(self, client: str, what: str = "chat") -> None:
        """Count one event for ``client``; raise RateLimited when it is over the limit."""
        if not self.per_minute:
            return
        self.count(f"{what}:{client}", self.per_minute)

    def count(self, key: str, limit: int, window_s: int = 60) -> None:
        """Count one event for ``key``; raise RateLimited when the window holds more than ``limit``."""
        if not limit:
            return
        count, left = self.counters.hit(key, window_s)
        if count > limit:
            raise RateLimited(left)
