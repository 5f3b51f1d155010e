"""The admission gate and the SQL rate limiter (unit: no models, no server)."""

from __future__ import annotations

import threading
import time

import pytest

from ui.gate import Busy, Gate, RateLimited, RateLimiter


def test_free_slot_is_taken_at_once_and_given_back():
    gate = Gate(limit=1, queue_size=0)
    with gate.slot():
        assert gate.active == 1
        with pytest.raises(Busy) as err:  # no queue: the second is turned away at once
            gate.join()
        assert err.value.retry_after >= 1
    assert gate.active == 0


def test_waiters_are_served_in_arrival_order_and_the_queue_is_bounded():
    gate = Gate(limit=1, queue_size=2, timeout_s=5)
    order: list[int] = []
    holder = gate.join()
    assert gate.wait(holder, 0) is None

    def waiter(n: int) -> None:
        with gate.slot():
            order.append(n)

    threads = []
    for n in (1, 2):
        threads.append(threading.Thread(target=waiter, args=(n,)))
        threads[-1].start()
        while gate.waiting < n:
            time.sleep(0.01)
    with pytest.raises(Busy):
        gate.join()  # two waiting fill the queue
    gate.leave(holder, started=True)
    for t in threads:
        t.join(5)
    assert order == [1, 2]
    assert gate.active == 0 and gate.waiting == 0


def test_waiting_too_long_is_busy_and_leaves_the_queue():
    gate = Gate(limit=1, queue_size=4, timeout_s=0.2)
    ticket = gate.join()
    assert gate.wait(ticket, 0) is None
    with pytest.raises(Busy):
        with gate.slot():
            pass
    assert gate.waiting == 0
    gate.leave(ticket, started=True)


def test_wait_reports_places_ahead():
    gate = Gate(limit=1, queue_size=4)
    first = gate.join()
    assert gate.wait(first, 0) is None
    a, b = gate.join(), gate.join()
    assert gate.wait(a, 0.01) == 0
    assert gate.wait(b, 0.01) == 1


class _Counters:
    """A stand-in for RateCounters.hit with the same contract (count in window, seconds left)."""

    def __init__(self):
        self.counts: dict[str, int] = {}

    def hit(self, key: str, window_s: int = 60):
        self.counts[key] = self.counts.get(key, 0) + 1
        return self.counts[key], 42.2


def test_rate_limiter_counts_per_client_and_can_be_off():
    limiter = RateLimiter(_Counters(), per_minute=2)
    limiter.check("a")
    limiter.check("a")
    with pytest.raises(RateLimited) as err:
        limiter.check("a")
    assert err.value.retry_after == 43
    limiter.check("b")
    off = RateLimiter(_Counters(), per_minute=0)
    for _ in range(100):
        off.check("a")
