"""The server's periodic work (retention purge, knowledge sources' sync) on one background thread.

Every replica runs a Scheduler; the jobs table (``ui/storage/jobs.py``) makes sure each job runs
on one replica at a time, so adding replicas never runs a purge or a crawl twice. A job is a name,
an interval and a function returning a short message for the console; an exception marks the run
failed and it is tried again after ``retry_s``.

    >>> scheduler = Scheduler(storage.jobs)
    >>> scheduler.add("retention", every_s=86400, run=purge_old_conversations)
    >>> scheduler.start()      # ticks every ``tick_s`` seconds until stop()
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from .storage.jobs import Jobs

__all__ = ["Scheduler"]

log = logging.getLogger("helpdesk.ui.scheduler")


@dataclass
class _Job:
    every_s: float
    run: Callable[[], str]
    retry_s: float
    lease_s: float


class Scheduler:
    """Registered periodic jobs, each claimed through the shared jobs table before it runs."""

    def __init__(self, jobs: Jobs, tick_s: float = 30.0):
        self.jobs, self.tick_s = jobs, tick_s
        self._registered: dict[str, _Job] = {}
        self._before: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, name: str, every_s: float, run: Callable[[], str], *, retry_s: float | None = None,
            lease_s: float = 1800.0, first_due: float = 0.0) -> None:
        """Run ``run`` every ``every_s`` seconds (first at ``first_due``, epoch seconds; 0 = now)."""
        if every_s <= 0:
            raise ValueError(f"a job's interval must be positive, got {every_s}")
        self.jobs.ensure(name, due_at=first_due)
        with self._lock:
            self._registered[name] = _Job(every_s, run, retry_s if retry_s is not None else min(every_s, 3600.0),
                                          lease_s)

    def remove(self, name: str) -> None:
        """Stop running a job here and forget its row."""
        with self._lock:
            self._registered.pop(name, None)
        self.jobs.forget(name)

    def before_tick(self, run: Callable[[], None]) -> None:
        """Call ``run`` on this replica before every tick, unclaimed (e.g. to register jobs that
        another replica added to the database)."""
        with self._lock:
            self._before.append(run)

    def tick(self, now: float | None = None) -> list[str]:
        """Run every registered job that is due and that this replica claims; the names it ran."""
        for run in list(self._before):
            try:
                run()
            except Exception:  # the database was away: the jobs registered so far still run
                log.exception("scheduler: preparing a tick failed")
        with self._lock:
            registered = list(self._registered.items())
        ran = []
        for name, job in registered:
            if self._stop.is_set() or not self.jobs.claim(name, lease_s=job.lease_s, now=now):
                continue
            ran.append(name)
            try:
                message = job.run() or ""
            except Exception as exc:  # logged with its trace; the console shows the short reason
                log.exception("job %s failed", name)
                self.jobs.finish(name, time.time() + job.retry_s, status="failed", message=f"{exc}")
            else:
                self.jobs.finish(name, time.time() + job.every_s, status="ok", message=message)
        return ran

    def start(self) -> None:
        """Tick on a daemon thread until :meth:`stop`."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop ticking; a job that is running finishes first (up to ``timeout_s``)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # the database was away: try again at the next tick
                log.exception("scheduler tick failed")
            self._stop.wait(self.tick_s)
