"""Background jobs: one replica claims a due job, others see it held; the scheduler runs, retries
and reports (SQLite unit, PostgreSQL integration: the same claims from many threads at once)."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from tests.servers import create_database
from ui.scheduler import Scheduler
from ui.storage import Storage, database_url
from ui.storage.jobs import Jobs

_databases = itertools.count()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def storage(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'h.sqlite3'}"
    else:
        url = database_url(create_database(request.getfixturevalue("postgres_url"), f"jobs_{next(_databases)}"),
                           tmp_path)
    storage = Storage(url)
    yield storage
    storage.close()


def test_a_due_job_is_claimed_by_exactly_one_of_many_replicas_at_once(storage):
    replicas = [Jobs(storage.engine, holder=f"replica-{i}") for i in range(8)]
    replicas[0].ensure("retention")
    barrier = threading.Barrier(len(replicas))
    won: list[str] = []

    def race(jobs: Jobs) -> None:
        barrier.wait()
        if jobs.claim("retention", lease_s=60):
            won.append(jobs.holder)

    threads = [threading.Thread(target=race, args=(j,)) for j in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(won) == 1
    state = replicas[0].get("retention")
    assert state["running"] is True and state["last_status"] == ""


def test_a_finished_job_waits_until_due_and_an_expired_lease_frees_it(storage):
    a, b = Jobs(storage.engine, "a"), Jobs(storage.engine, "b")
    now = time.time()
    assert a.claim("sync:1", lease_s=60, now=now)
    assert not b.claim("sync:1", lease_s=60, now=now + 1)         # held
    assert b.claim("sync:1", lease_s=60, now=now + 61)            # a died: its lease ran out
    b.finish("sync:1", next_due=now + 3600, message="3 updated")
    a.finish("sync:1", next_due=0.0, status="failed")             # a no longer holds it: no effect
    state = a.get("sync:1")
    assert (state["last_status"], state["last_message"], state["running"]) == ("ok", "3 updated", False)
    assert not a.claim("sync:1", now=now + 100)                   # not due for an hour
    a.run_soon("sync:1")                                          # "sync now"
    assert a.claim("sync:1", now=now + 101)
    a.forget("sync:1")
    assert a.get("sync:1") is None


def test_the_scheduler_runs_due_jobs_once_across_replicas_and_retries_a_failure(storage):
    calls: list[str] = []

    def purge() -> str:
        calls.append("purge")
        return "2 deleted"

    def broken() -> str:
        calls.append("broken")
        raise RuntimeError("site unreachable")

    one, two = Scheduler(Jobs(storage.engine, "one")), Scheduler(Jobs(storage.engine, "two"))
    for s in (one, two):
        s.add("retention", every_s=86400, run=purge)
        s.add("sync:2", every_s=3600, run=broken, retry_s=600)
    assert sorted(one.tick() + two.tick()) == ["retention", "sync:2"]
    assert sorted(calls) == ["broken", "purge"]
    assert one.tick() == [] and two.tick() == []                 # neither is due again yet
    failed = one.jobs.get("sync:2")
    assert (failed["last_status"], failed["last_message"]) == ("failed", "site unreachable")
    assert two.tick(now=time.time() + 601) == ["sync:2"]          # retried after retry_s, not every_s
    assert one.jobs.get("retention")["last_message"] == "2 deleted"
    with pytest.raises(ValueError, match="interval"):
        one.add("bad", every_s=0, run=purge)


def test_the_scheduler_thread_ticks_and_stops(storage):
    ran = threading.Event()
    scheduler = Scheduler(storage.jobs, tick_s=0.05)
    scheduler.add("tick", every_s=3600, run=lambda: ran.set() or "ok")
    scheduler.start()
    try:
        assert ran.wait(10)
    finally:
        scheduler.stop()
    assert scheduler._thread is None
