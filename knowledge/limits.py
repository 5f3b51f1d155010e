"""Bounds on what one file may cost to parse: rows, cells, paragraphs, pages, expansion, time.

A small file can declare a huge amount of work: an XLSX of 1.6 KB whose sheet claims the range
``A1:XFD20000``, a DOCX of 18 KB holding two million empty paragraphs, a YAML file whose aliases
repeat one long answer thousands of times. The size limit on the file does not catch these, so
every loader counts what it actually reads against a :class:`Budget` and stops at the first limit
passed, with an error that names the limit and the setting that raises it.

``load_file`` starts one budget per file (:func:`parsing`); loaders find it with :func:`budget`.
Time is checked as the work is counted, so a loader stops within one row, paragraph or page of
its deadline; each of those units is itself bounded by the expansion limit.
"""

from __future__ import annotations

import contextlib
import time
import zipfile
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from .errors import FileTooLarge

__all__ = ["ParseLimits", "Budget", "LimitExceeded", "parsing", "budget", "check_zip"]


class LimitExceeded(FileTooLarge):
    """A file that would take more rows, cells, paragraphs, pages, bytes or time than allowed."""


@dataclass(frozen=True)
class ParseLimits:
    """The most one file may hold or cost; ``HELPDESK_INGEST__*`` settings fill these in."""

    max_rows: int = 200_000
    max_cells: int = 2_000_000
    max_paragraphs: int = 200_000
    max_pages: int = 5_000
    max_expanded_mb: float = 200.0
    parse_seconds: float = 120.0

    @property
    def max_expanded_bytes(self) -> int:
        """``max_expanded_mb`` in bytes."""
        return int(self.max_expanded_mb * 2**20)


# Names of the settings in error messages, so that an admin knows what to raise.
_SETTING = {
    "rows": "max_rows", "cells": "max_cells", "paragraphs": "max_paragraphs", "pages": "max_pages",
}


class Budget:
    """What one file has used so far; every ``add`` raises :class:`LimitExceeded` past a limit."""

    def __init__(self, source: str, limits: ParseLimits):
        self.source, self.limits = source, limits
        self.used = {name: 0 for name in _SETTING}
        self.deadline = time.monotonic() + limits.parse_seconds

    def add(self, what: str, n: int = 1) -> None:
        """Count ``n`` more rows, cells, paragraphs or pages, and check the clock."""
        used = self.used[what] = self.used[what] + n
        limit = getattr(self.limits, _SETTING[what])
        if used > limit:
            raise LimitExceeded(f"{self.source}: more than {limit:,} {what} "
                                f"(limit HELPDESK_INGEST__{_SETTING[what].upper()})")
        self.check_time()

    def check_time(self) -> None:
        """Refuse the file once parsing has run past ``parse_seconds``."""
        if time.monotonic() > self.deadline:
            raise LimitExceeded(f"{self.source}: parsing took longer than {self.limits.parse_seconds:g} s "
                                "(limit HELPDESK_INGEST__PARSE_SECONDS)")

    def expanded(self, size: int, what: str = "expands to") -> None:
        """Refuse content that expands past ``max_expanded_mb``."""
        if size > self.limits.max_expanded_bytes:
            raise LimitExceeded(f"{self.source}: {what} {size / 2**20:,.0f} MB, more than "
                                f"{self.limits.max_expanded_mb:g} MB (limit HELPDESK_INGEST__MAX_EXPANDED_MB)")


_current: ContextVar[Budget | None] = ContextVar("helpdesk_parse_budget", default=None)


@contextlib.contextmanager
def parsing(source: str, limits: ParseLimits | None = None) -> Iterator[Budget]:
    """Start the budget of one file for the loaders called inside the block."""
    current = Budget(source, limits or ParseLimits())
    token = _current.set(current)
    try:
        yield current
    finally:
        _current.reset(token)


def budget(source: str) -> Budget:
    """The budget of the file being loaded (default limits when a loader is called directly)."""
    current = _current.get()
    return current if current is not None else Budget(source, ParseLimits())


# A ZIP that is an Office file holds a few dozen parts; thousands of entries are not a document.
_MAX_ZIP_ENTRIES = 10_000


def check_zip(data: bytes, source: str) -> None:
    """Refuse an Office file (a ZIP) whose parts declare more than the expansion limit.

    Python's zipfile never returns more than a part's declared size (a part that inflates past it
    fails its check), so the declared sizes bound what parsing will read.
    """
    import io

    current = budget(source)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # not a readable ZIP: the loader's own error says so
    if len(entries) > _MAX_ZIP_ENTRIES:
        raise LimitExceeded(f"{source}: {len(entries):,} parts in the archive, more than {_MAX_ZIP_ENTRIES:,}")
    current.expanded(sum(e.file_size for e in entries), "unpacks to")
