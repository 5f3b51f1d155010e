"""Keep a knowledge base in step with a website: ingest what changed, delete what is gone.

``sync_site`` is the one call the ingestion side needs. It works through any object with the two
methods of :class:`KnowledgeTarget`, so that it does not depend on how the knowledge facade is
assembled; the caller keeps ``state`` (the :class:`PageRecord` of every page, by source) between
runs, e.g. as JSON in its database.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from collections.abc import Callable
from typing import Any, Protocol

from ..errors import NotFound
from .crawl import crawl
from .fetch import CrawlOptions, Fetcher
from .pages import Page, PageRecord, page_file

__all__ = ["KnowledgeTarget", "SyncReport", "PageReport", "sync_site"]

_BATCH = 32  # pages ingested per call: new pages become searchable as the crawl goes


class KnowledgeTarget(Protocol):
    """What a sync needs of a knowledge base: ingest files under given source names, delete one."""

    def ingest(self, paths: list[Path], *, names: dict[Path, str] | None = None) -> Any:
        """Ingest files; returns a report whose ``documents`` have ``source``, ``status``, ``chunks``, ``error``."""

    def delete(self, source: str) -> Any:
        """Remove a document by source; raises ``NotFound`` when there is none."""


@dataclass
class PageReport:
    """What a sync did with one page."""

    source: str
    status: str  # added | updated | unchanged | gone | failed
    chunks: int = 0
    error: str | None = None
    transient: bool = False


@dataclass
class SyncReport:
    """What one sync of one site did, page by page."""

    url: str
    pages: list[PageReport] = field(default_factory=list)
    seconds: float = 0.0
    requests: int = 0
    on_page: Callable[[PageReport], None] | None = field(default=None, repr=False, compare=False)

    def add(self, *pages: PageReport) -> None:
        """Record pages' outcomes (and tell ``on_page``)."""
        for page in pages:
            self.pages.append(page)
            if self.on_page is not None:
                self.on_page(page)

    def counts(self) -> dict[str, int]:
        """Pages per status: added, updated, unchanged, gone, failed."""
        counted = Counter(p.status for p in self.pages)
        return {s: counted.get(s, 0) for s in ("added", "updated", "unchanged", "gone", "failed")}

    def as_dict(self) -> dict:
        """A JSON-ready copy."""
        return {"url": self.url, "counts": self.counts(), "pages": [asdict(p) for p in self.pages],
                "seconds": round(self.seconds, 3), "requests": self.requests}


def sync_site(knowledge: KnowledgeTarget, url: str, state: dict[str, PageRecord], *,
              options: CrawlOptions | None = None,
              progress: Callable[[PageReport], None] | None = None) -> SyncReport:
    """Crawl ``url`` against ``state``, ingest added and updated pages under their canonical URL,
    delete gone ones; ``state`` is updated in place. A failed page keeps its old copy and record.
    ``progress`` hears of every page as its outcome is known."""
    start = time.perf_counter()
    report = SyncReport(url, on_page=progress)
    with Fetcher(options or CrawlOptions()) as fetcher, tempfile.TemporaryDirectory(prefix="helpdesk-sync-") as tmp:
        batch: list[Page] = []
        for page in crawl(url, known=state, fetcher=fetcher):
            if page.status in ("added", "updated"):
                batch.append(page)
                if len(batch) >= _BATCH:
                    report.add(*_ingest(knowledge, batch, state, Path(tmp)))
                    batch = []
            elif page.status == "unchanged":
                state[page.source] = page.record()
                report.add(PageReport(page.source, "unchanged"))
            elif page.status == "gone":
                _delete(knowledge, page.source)
                state.pop(page.source, None)
                report.add(PageReport(page.source, "gone", error=page.reason))
            else:
                report.add(PageReport(page.source, "failed", error=page.reason, transient=page.transient))
        report.add(*_ingest(knowledge, batch, state, Path(tmp)))
        report.requests = fetcher.requests
    report.seconds = time.perf_counter() - start
    return report


def _ingest(knowledge: KnowledgeTarget, pages: list[Page], state: dict[str, PageRecord], tmp: Path) -> list[PageReport]:
    if not pages:
        return []
    names = {page_file(page, tmp / str(i)): page for i, page in enumerate(pages)}
    result = knowledge.ingest(list(names), names={path: page.source for path, page in names.items()})
    done = {doc.source: doc for doc in result.documents}
    reports = []
    for path, page in names.items():
        doc = done.get(page.source)
        if doc is None or doc.status == "failed":
            error = doc.error if doc is not None else "not ingested"
            reports.append(PageReport(page.source, "failed", error=error))
        else:
            state[page.source] = page.record()
            # The knowledge base's word, not the crawl's: it may hold this version already (a lost state).
            reports.append(PageReport(page.source, doc.status, doc.chunks))
        path.unlink(missing_ok=True)
    return reports


def _delete(knowledge: KnowledgeTarget, source: str) -> None:
    try:
        knowledge.delete(source)
    except NotFound:
        pass  # already removed by hand: the page is gone either way
