"""Crawl a site or a sitemap: start URL -> pages, breadth first, within one host and path prefix.

    crawl("https://help.example.com/docs/")       links from page to page, up to ``depth`` clicks
    crawl("https://help.example.com/sitemap.xml") the pages a sitemap (or sitemap index) lists

Each page comes back as a :class:`Page` whose status is judged against ``known`` (the
:class:`PageRecord` of every page the last crawl kept, by source): conditional requests ask only
for what changed, and a content hash catches servers that do not answer them. A page's source is
its ``<link rel=canonical>`` when that stays in scope, else its final URL; a source comes back
once per crawl however many URLs lead to it, so link loops and aliases end.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

import httpcore
import httpx

from ..errors import InputError
from .fetch import CrawlOptions, Fetched, Fetcher, SameHost
from .guard import Refused, check_host
from .pages import Page, PageRecord, refuse_type
from .sitemap import looks_like_sitemap, parse_sitemap
from .urls import Scope, normalise, page_links

__all__ = ["crawl"]

_SITEMAP_FILES = 50  # sitemap files read per crawl, index files included
_SITEMAP_NESTING = 3


def crawl(start: str, *, known: dict[str, PageRecord] | None = None, options: CrawlOptions | None = None,
          fetcher: Fetcher | None = None) -> Iterator[Page]:
    """The pages of the site or sitemap at ``start``, as they are fetched (in the order answers
    come; with one connection, breadth first).

    Raises :class:`Refused` (before any request) for a URL that is not http(s) or whose host
    resolves to an address the options do not allow; everything a server does is a page status.
    """
    options = options or (fetcher.options if fetcher else CrawlOptions())
    start = normalise(start)
    url = httpx.URL(start)
    try:
        check_host(url.host, url.port or (443 if url.scheme == "https" else 80), options.allow_private)
    except httpcore.ConnectError as exc:
        raise InputError(f"{start}: {exc}") from exc
    own = fetcher is None
    fetcher = fetcher or Fetcher(options)
    try:
        yield from _Crawl(start, dict(known or {}), options, fetcher).run()
    finally:
        if own:
            fetcher.close()


class _Crawl:
    def __init__(self, start: str, known: dict[str, PageRecord], options: CrawlOptions, fetcher: Fetcher):
        self.start, self.known, self.options, self.fetcher = start, known, options, fetcher
        self.scope = Scope.of(start)
        self.by_url = {record.url: source for source, record in known.items()}
        self.seen: set[str] = set()  # URLs requested or reached by a redirect
        self.sources: set[str] = set()  # sources already given back
        self.fetched = 0

    def run(self) -> Iterator[Page]:
        self.fetched += 1
        first = self._get(self.start, sitemap_ok=True, scope=SameHost(self.start))
        if first.redirects and first.url in SameHost(self.start):
            self.scope = Scope.of(first.url)  # the site's real home (https, a language folder)
        if first.ok and looks_like_sitemap(first.content_type, first.url, first.content):
            self.fetched = 0  # sitemap files are not pages
            yield from self._sitemap(first)
        else:
            yield from self._links(first)

    # -- one page --------------------------------------------------------------------------------

    def _get(self, url: str, *, sitemap_ok: bool = False, scope=None) -> Fetched:
        record = self.known.get(self.by_url.get(url, ""))
        accept = _accept_sitemap if sitemap_ok else refuse_type
        got = self.fetcher.get(url, scope=scope or self.scope, etag=record.etag if record else None,
                               last_modified=record.last_modified if record else None, accept=accept)
        self.seen.update([url, got.url, *got.redirects])
        return got

    def _judge(self, requested: str, got: Fetched, depth: int) -> tuple[Page | None, list[str]]:
        """The page a response makes (None for a source already given back) and its links."""
        source = self.by_url.get(got.url) or self.by_url.get(requested) or got.url
        record = self.known.get(source)
        if got.not_modified and record is not None:
            page = Page(got.url, source, "unchanged", content_type=got.content_type, depth=depth,
                        etag=got.etag or record.etag, last_modified=got.last_modified or record.last_modified,
                        hash=record.hash, links=record.links)
            return self._once(page), record.links
        if got.robots and record is None and depth > 0:
            return None, []  # a link the site asks crawlers not to follow: not news
        if got.status in (404, 410):
            if record is None:
                return Page(got.url, got.url, "failed", f"HTTP {got.status}", depth=depth), []
            return self._once(Page(got.url, source, "gone", f"HTTP {got.status}", depth=depth)), []
        if not got.ok:
            reason = got.error or f"HTTP {got.status} without a page"
            source = self.by_url.get(requested) or requested  # not where a refused redirect pointed
            return Page(requested, source, "failed", reason, got.transient, depth=depth), []
        links: list[str] = []
        if got.content_type in ("text/html", "application/xhtml+xml"):
            links, canonical = page_links(got.content, got.url)
            links = [link for link in links if link in self.scope]
            if canonical and canonical in self.scope:
                source = canonical
                self.seen.add(canonical)
        record = self.known.get(source)
        digest = hashlib.sha256(got.content).hexdigest()
        status = "added" if record is None else "unchanged" if record.hash == digest else "updated"
        page = Page(got.url, source, status, content=got.content, content_type=got.content_type,
                    etag=got.etag, last_modified=got.last_modified, hash=digest, depth=depth, links=links)
        return self._once(page), links

    def _once(self, page: Page) -> Page | None:
        if page.source in self.sources:
            return None
        self.sources.add(page.source)
        return page

    # -- links -----------------------------------------------------------------------------------

    def _links(self, first: Fetched) -> Iterator[Page]:
        options = self.options
        queue: deque[tuple[str, int]] = deque()
        yield from self._take(self.start, first, 0, queue)
        with ThreadPoolExecutor(max(1, options.connections), thread_name_prefix="crawl") as pool:
            running: dict[Future, tuple[str, int]] = {}
            revisit = True
            while queue or running or revisit:
                while queue and len(running) < options.connections and self.fetched < options.max_pages:
                    url, depth = queue.popleft()
                    if url not in self.seen:
                        self.seen.add(url)
                        self.fetched += 1
                        running[pool.submit(self._get, url)] = (url, depth)
                if not running:
                    # Links are exhausted: visit pages kept from earlier crawls that no link reached
                    # now, so that a page that disappeared is noticed (404 -> gone).
                    if revisit and self.fetched < options.max_pages:
                        queue.extend((r.url, options.depth) for s, r in self.known.items()
                                     if s not in self.sources and r.url not in self.seen)
                    revisit = False
                    if not queue or self.fetched >= options.max_pages:
                        break
                    continue
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    url, depth = running.pop(future)
                    yield from self._take(url, future.result(), depth, queue)
            for future in running:
                future.cancel()

    def _take(self, url: str, got: Fetched, depth: int, queue: deque) -> Iterator[Page]:
        page, links = self._judge(url, got, depth)
        if page is not None:
            yield page
        if depth < self.options.depth:
            queue.extend((link, depth + 1) for link in links if link in self.scope and link not in self.seen)

    # -- sitemaps --------------------------------------------------------------------------------

    def _sitemap(self, first: Fetched) -> Iterator[Page]:
        """Pages listed by the sitemap (and the sitemaps an index lists), then the pages kept from
        earlier crawls that the sitemap no longer lists: gone, when every sitemap could be read."""
        self.scope = Scope.of(first.url)
        listed, complete, failures = self._read_sitemaps(first)
        yield from failures
        options = self.options
        with ThreadPoolExecutor(max(1, options.connections), thread_name_prefix="crawl") as pool:
            todo = deque(u for u in listed if u not in self.seen)
            running: dict[Future, str] = {}
            while todo or running:
                while todo and len(running) < options.connections and self.fetched < options.max_pages:
                    url = todo.popleft()
                    self.seen.add(url)
                    self.fetched += 1
                    running[pool.submit(self._get, url)] = url
                if not running:
                    break
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    page, _links = self._judge(running.pop(future), future.result(), 0)
                    if page is not None:
                        yield page
        if not complete:
            return
        in_list = set(listed)
        for source, record in self.known.items():
            if source not in self.sources and source not in in_list and record.url not in in_list:
                yield Page(record.url, source, "gone", "no longer in the sitemap")

    def _read_sitemaps(self, first: Fetched) -> tuple[list[str], bool, list[Page]]:
        listed: list[str] = []
        complete, failures = True, []
        pending: deque[tuple[str, Fetched | None, int]] = deque([(first.url, first, 0)])
        read = 0
        while pending:
            url, got, level = pending.popleft()
            read += 1
            if got is None:
                got = self._get(url, sitemap_ok=True)  # sitemap files do not count as pages
            try:
                if not got.ok:
                    raise ValueError(got.error or f"HTTP {got.status}")
                sitemap = parse_sitemap(got.content, url, self.options.max_page_bytes)
            except ValueError as exc:
                complete = False
                failures.append(Page(url, url, "failed", f"sitemap {url}: {exc}", transient=got.transient))
                continue
            for entry in sitemap.urls:
                try:
                    entry = normalise(entry, url)
                except Refused:
                    continue
                if entry not in self.scope:
                    continue  # a sitemap may list only what lies under its own folder
                if sitemap.kind == "urlset":
                    listed.append(entry)
                elif level + 1 < _SITEMAP_NESTING and read + len(pending) < _SITEMAP_FILES:
                    pending.append((entry, None, level + 1))
                else:
                    complete = False
        return list(dict.fromkeys(listed)), complete, failures


def _accept_sitemap(content_type: str, url: str) -> str | None:
    if "xml" in content_type or "gzip" in content_type or url.lower().endswith((".xml", ".xml.gz")):
        return None
    return refuse_type(content_type, url)
