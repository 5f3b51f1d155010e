"""Knowledge sources kept in step: add a website or folder, sync it now or on its schedule.

One :class:`SourceSync` serves the command line (``helpdesk sources``, ``helpdesk sync``), the
API, the console's Sources tab and the server's scheduler. Every sync of source 7 runs as the job
``source:7`` of the jobs table, so that exactly one replica (or one ``helpdesk sync``) syncs a
source at a time, and the table says when it last ran, how that went and when it runs next.

    >>> sync = SourceSync(storage, settings, knowledge=lambda: kb)
    >>> s = sync.add("https://help.example.com/", "6h")
    >>> for source, report, error in sync.sync_all():
    ...     print(source["location"], summary(report) if report else error)
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpcore
import httpx

from knowledge.errors import HelpdeskError, InputError
from knowledge.folders import sync_folder
from knowledge.web import PageRecord, SyncReport, sync_site
from knowledge.web.guard import check_host
from knowledge.web.urls import normalise

__all__ = ["SourceSync", "parse_every", "describe_every", "summary", "job_name"]

log = logging.getLogger("helpdesk.ui.sources")

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_EVERY = re.compile(r"\s*([0-9]{1,6})\s*([smhd])\s*", re.I | re.A)
MIN_EVERY_S, MAX_EVERY_S = 60, 365 * 86400


def parse_every(value: Any) -> int:
    """Seconds of a duration like ``30m``, ``6h`` or ``1d`` (1 minute to 365 days); InputError naming
    the value otherwise."""
    match = _EVERY.fullmatch(value) if isinstance(value, str) else None
    seconds = int(match.group(1)) * _UNITS[match.group(2).lower()] if match else None
    if seconds is None or not MIN_EVERY_S <= seconds <= MAX_EVERY_S:
        shown = repr(value)[:60]
        raise InputError(f"interval {shown} is not a duration from 1m to 365d, like 30m, 6h or 1d")
    return seconds


def describe_every(seconds: int) -> str:
    """``6h`` for 21600: the largest unit that divides it."""
    for unit in "dhm":
        if seconds % _UNITS[unit] == 0:
            return f"{seconds // _UNITS[unit]}{unit}"
    return f"{seconds}s"


def job_name(source_id: int) -> str:
    """The jobs table's name for a source's sync."""
    return f"source:{source_id}"


def summary(report: SyncReport) -> str:
    """``2 added, 1 updated, 0 removed, 5 unchanged, 0 failed``."""
    c = report.counts()
    return (f"{c['added']} added, {c['updated']} updated, {c['gone']} removed, {c['unchanged']} unchanged, "
            f"{c['failed']} failed")


class SourceSync:
    """Sources in the database, synced into the knowledge base that ``knowledge()`` returns."""

    def __init__(self, storage, settings, knowledge: Callable[[], Any], scheduler=None):
        self.store, self.jobs = storage.sources, storage.jobs
        self.settings, self.knowledge, self.scheduler = settings, knowledge, scheduler
        self._scheduled: set[int] = set()
        self._hooked = False
        self._lock = threading.RLock()

    # -- the list ----------------------------------------------------------------------------

    def check(self, location: Any) -> tuple[str, str]:
        """``(kind, location)`` in normal form: a URL the crawl may fetch, or an existing folder's
        absolute path; InputError naming the problem otherwise (scheme, private address, no folder)."""
        if not isinstance(location, str) or not location.strip():
            raise InputError("give a website URL (https://...) or a folder path")
        location = location.strip()
        if len(location) > 2000:
            raise InputError("the location is longer than 2000 characters")
        if "\x00" in location:
            raise InputError("the location contains a NUL character")
        if "://" in location or location.lower().startswith(("http:", "https:")):
            url = normalise(location)  # Refused (an InputError) for ftp:, file:, no host ...
            parsed = httpx.URL(url)
            try:  # the address guard's word now, not at the first sync: private needs the allowance
                check_host(parsed.host, parsed.port or (443 if parsed.scheme == "https" else 80),
                           self.settings.sync.allow_private)
            except httpcore.ConnectError as exc:
                raise InputError(f"{url}: {exc}") from exc
            return "site", url
        folder = Path(location).expanduser()
        if not folder.is_dir():
            raise InputError(f"{location}: no such folder (give an https:// URL or a folder on this server)")
        return "folder", str(folder.resolve())

    def add(self, location: Any, every: Any = "6h") -> dict[str, Any]:
        """Follow a website or folder, synced every ``every`` (``30m``, ``6h``, ``1d``); the first
        sync is due at once."""
        every_s = parse_every(every)
        kind, where = self.check(location)
        source = self.store.add(kind, where, every_s)
        self.jobs.ensure(job_name(source["id"]))
        self.schedule()
        return self.describe(source)

    def remove(self, source_id: int) -> dict[str, Any]:
        """Stop following a source (its documents stay in the knowledge base)."""
        source = self.store.remove(source_id)
        self.jobs.forget(job_name(source_id))
        self.schedule()
        return source

    def list(self) -> list[dict[str, Any]]:
        """Every source with its interval, last sync (status, time, message) and next run."""
        return [self.describe(s) for s in self.store.list()]

    def describe(self, source: dict[str, Any]) -> dict[str, Any]:
        """A source with what the jobs table says of it."""
        job = self.jobs.get(job_name(source["id"])) or {}
        return {**source, "every": describe_every(source["every_s"]),
                "last_status": job.get("last_status", ""), "last_sync": job.get("last_finished", ""),
                "last_message": job.get("last_message", ""), "next_run": job.get("due_at", "now"),
                "running": bool(job.get("running"))}

    # -- syncing -----------------------------------------------------------------------------

    def sync(self, source_id: int, progress=None) -> SyncReport:
        """Sync one source now, in this process (the caller holds its job), keeping its new state."""
        source = self.store.get(source_id)
        state = self.store.state(source_id)
        knowledge = self.knowledge()
        if source["kind"] == "folder":
            known = set(state.get("files", []))
            report = sync_folder(knowledge, Path(source["location"]), known, progress=progress)
            self.store.save_state(source_id, {"files": sorted(known)})
        else:
            pages = {s: PageRecord(**r) for s, r in state.get("pages", {}).items()}
            try:
                report = sync_site(knowledge, source["location"], pages, options=self.settings.sync.options(),
                                   progress=progress)
            finally:  # what was ingested before a failure is recorded, so it is not fetched anew
                self.store.save_state(source_id, {"pages": {s: r.as_dict() for s, r in pages.items()}})
        log.info("source %s %s: %s", source_id, source["location"], summary(report))
        return report

    def run_job(self, source_id: int) -> str:
        """The scheduler's job: sync, and say how it went; raises when nothing could be fetched."""
        report = self.sync(source_id)
        if report.pages and all(p.status == "failed" for p in report.pages):
            raise HelpdeskError(f"{summary(report)}: {report.pages[0].error}")
        return summary(report)

    def sync_all(self, progress=None) -> Iterator[tuple[dict[str, Any], SyncReport | None, str | None]]:
        """One pass over every source, each claimed as its job first: ``(source, report, error)``;
        a source another process is syncing right now is skipped with that error."""
        for source in self.store.list():
            name = job_name(source["id"])
            self.jobs.run_soon(name)
            if not self.jobs.claim(name, lease_s=1800):
                yield source, None, "skipped: another process is syncing it now"
                continue
            try:
                report = self.sync(source["id"], progress=progress)
            except HelpdeskError as exc:
                self.jobs.finish(name, time.time() + min(source["every_s"], 3600), "failed", str(exc))
                yield source, None, str(exc)
                continue
            except BaseException:
                self.jobs.finish(name, time.time() + min(source["every_s"], 3600), "failed", "interrupted")
                raise
            failed = bool(report.pages) and all(p.status == "failed" for p in report.pages)
            self.jobs.finish(name, time.time() + source["every_s"], "failed" if failed else "ok", summary(report))
            yield source, report, None

    # -- the server's schedule ---------------------------------------------------------------

    def schedule(self) -> None:
        """Make the scheduler's jobs match the sources table: one ``source:<id>`` job per source at
        its interval. Run before every tick too, so sources added or removed elsewhere (another
        replica, the command line) are picked up within a tick."""
        if self.scheduler is None:
            return
        with self._lock:
            if not self._hooked:
                self.scheduler.before_tick(self.schedule)
                self._hooked = True
            current = {s["id"]: s for s in self.store.list()}
            for gone in self._scheduled - set(current):
                self.scheduler.remove(job_name(gone))
            for sid, source in current.items():
                if sid not in self._scheduled:
                    self.scheduler.add(job_name(sid), source["every_s"], lambda sid=sid: self.run_job(sid))
            self._scheduled = set(current)

    def sync_soon(self, source_id: int) -> dict[str, Any]:
        """"Sync now": make the source's job due and tick the scheduler on a thread."""
        source = self.store.get(source_id)
        self.jobs.run_soon(job_name(source_id))
        if self.scheduler is not None:
            self.schedule()
            threading.Thread(target=self.scheduler.tick, name=f"sync-{source_id}", daemon=True).start()
        return self.describe(source)
