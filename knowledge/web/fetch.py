"""One careful HTTP client for crawls: guarded addresses, redirects checked hop by hop, bounded
bytes and time, conditional requests, a delay between requests to one host, robots.txt.

Every request goes through :class:`Fetcher.get`, which never raises for what a server does: the
result says what happened (a page, not modified, an HTTP status, or why it failed and whether a
later try may succeed). Only a refused start (scheme, address) is the caller's business.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpcore
import httpx

from .guard import GuardedBackend, Refused
from .robots import Robots
from .urls import Scope, normalise

__all__ = ["CrawlOptions", "Fetched", "Fetcher", "SameHost"]

_REDIRECTS = (301, 302, 303, 307, 308)
_ACCEPT = "text/html,application/xhtml+xml,text/markdown,text/plain;q=0.9,*/*;q=0.5"


@dataclass(frozen=True)
class CrawlOptions:
    """Bounds and manners of one crawl; ``HELPDESK_SYNC__*`` settings fill these in."""

    max_pages: int = 500
    depth: int = 10
    max_page_mb: float = 10.0
    page_seconds: float = 20.0
    delay_seconds: float = 0.5
    connections: int = 2
    max_redirects: int = 5
    allow_private: bool = False
    user_agent: str = "helpdesk-sync/0.1"
    # A robots.txt Crawl-delay is obeyed up to this; a site asking for more is crawled at this pace.
    max_delay_seconds: float = 10.0

    @property
    def max_page_bytes(self) -> int:
        """``max_page_mb`` in bytes."""
        return int(self.max_page_mb * 2**20)


@dataclass
class Fetched:
    """The outcome of one GET: the final URL after redirects and what it answered."""

    url: str
    status: int = 0  # the final HTTP status; 0 when no response came
    content: bytes = b""
    content_type: str = ""  # media type in lower case, without parameters
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None  # why there is no page: refused, too large, timeout, HTTP 500 ...
    transient: bool = False  # a failure that a later try may not meet (5xx, timeout, no connection)
    robots: bool = False  # not fetched: robots.txt disallows it
    redirects: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """A page came back (HTTP 200-299) with its content."""
        return self.error is None and 200 <= self.status < 300

    @property
    def not_modified(self) -> bool:
        """The server said the copy we hold is current (HTTP 304)."""
        return self.status == 304


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over a connection pool whose connections :class:`GuardedBackend` makes.

    httpx has no public switch for the network backend, so the pool is built here the way
    ``HTTPTransport.__init__`` builds it; request handling is httpx's own.
    """

    def __init__(self, options: CrawlOptions):  # not super().__init__: it would build an unguarded pool
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=options.connections,
            max_keepalive_connections=options.connections,
            network_backend=GuardedBackend(options.allow_private),
        )


class SameHost:
    """A scope of one host name, any scheme, port and path: where a start URL may redirect
    (``http://`` to ``https://``, ``/`` to ``/en/``) before the crawl takes its scope from there."""

    def __init__(self, url: str):
        self.host = httpx.URL(url).host

    def __contains__(self, url: str) -> bool:
        return httpx.URL(url).host == self.host

    def describe(self) -> str:
        """The scope, for messages."""
        return f"host {self.host}"


class _Pacer:
    """Spaces the starts of requests to one host by at least a delay, across threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}

    def wait(self, host: str, delay: float) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next.get(host, now))
            self._next[host] = start + delay
        if start > now:
            time.sleep(start - now)


class Fetcher:
    """GETs pages under :class:`CrawlOptions`; use as a context manager (it holds connections).

    >>> with Fetcher(CrawlOptions(allow_private=True)) as fetcher:
    ...     page = fetcher.get("http://127.0.0.1:8000/help/", scope=Scope.of("http://127.0.0.1:8000/help/"))
    >>> page.status, page.content_type
    (200, 'text/html')
    """

    def __init__(self, options: CrawlOptions | None = None):
        self.options = options or CrawlOptions()
        self._client = httpx.Client(
            transport=_GuardedTransport(self.options), follow_redirects=False,
            trust_env=False,  # a proxy from the environment would connect where the guard cannot see
            headers={"User-Agent": self.options.user_agent, "Accept": _ACCEPT},
        )
        self._pacer = _Pacer()
        self.robots = Robots(self._fetch_robots, self.options.user_agent)
        self.requests = 0  # every request made, robots.txt included
        self._count = threading.Lock()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        self._client.close()

    def get(self, url: str, *, scope: Scope | SameHost | None = None, etag: str | None = None,
            last_modified: str | None = None, accept: Callable[[str, str], str | None] | None = None,
            max_bytes: int | None = None) -> Fetched:
        """GET ``url`` (normalised), following redirects that stay in ``scope`` (and obeying
        robots.txt there; without a scope, as for robots.txt itself, only the guard applies).

        ``etag`` and ``last_modified`` make the request conditional. ``accept(content_type, url)``
        returns why a response is refused (before its body is read), or None to take it.
        """
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        hops: list[str] = []
        current = url
        for _ in range(self.options.max_redirects + 1):
            if scope is not None and current not in scope:
                return Fetched(current, error=f"redirected out of scope ({scope.describe()}) to {current}",
                               redirects=hops)
            refused = self.robots.refusal(current) if scope is not None else None
            if refused:
                return Fetched(current, error=refused.reason, transient=refused.transient, robots=True,
                               redirects=hops)
            result, location = self._once(current, headers, accept, max_bytes)
            if location is None:
                result.redirects = hops
                return result
            try:
                hops.append(current)
                current = normalise(location, current)
            except Refused as exc:
                return Fetched(current, error=f"redirected to a URL that is not crawled: {exc}", redirects=hops)
            if current in hops:
                return Fetched(current, error="redirect loop", redirects=hops)
        return Fetched(current, error=f"more than {self.options.max_redirects} redirects", redirects=hops)

    def _once(self, url: str, headers: dict, accept, max_bytes: int | None) -> tuple[Fetched, str | None]:
        """One request: the result, or the Location of a redirect."""
        options = self.options
        host = httpx.URL(url).host
        self._pacer.wait(host, self.robots.delay(url, options.delay_seconds, options.max_delay_seconds))
        with self._count:
            self.requests += 1
        deadline = time.monotonic() + options.page_seconds
        limit = options.max_page_bytes if max_bytes is None else max_bytes
        try:
            with self._client.stream("GET", url, headers=headers, timeout=options.page_seconds) as response:
                status = response.status_code
                if status in _REDIRECTS and response.headers.get("location"):
                    return Fetched(url, status), response.headers["location"]
                result = Fetched(url, status, etag=response.headers.get("etag"),
                                 last_modified=response.headers.get("last-modified"),
                                 content_type=_media_type(response.headers.get("content-type", "")))
                if status == 304:
                    return result, None
                if not 200 <= status < 300:
                    result.error, result.transient = f"HTTP {status}", status >= 500 or status in (408, 429)
                    return result, None
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    result.error = f"{int(declared):,} bytes, more than the limit of {limit:,} (HELPDESK_SYNC__MAX_PAGE_MB)"
                    return result, None
                why = accept(result.content_type, url) if accept else None
                if why:
                    result.error = why
                    return result, None
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > limit:
                        result.error = f"more than the limit of {limit:,} bytes (HELPDESK_SYNC__MAX_PAGE_MB)"
                        return result, None
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout("page took too long")
                result.content = bytes(body)
                return result, None
        except Refused as exc:
            return Fetched(url, error=str(exc)), None
        except httpx.TimeoutException:
            return Fetched(url, error=f"no complete answer within {options.page_seconds:g} s "
                                      "(HELPDESK_SYNC__PAGE_SECONDS)", transient=True), None
        except httpx.HTTPError as exc:
            return Fetched(url, error=f"{type(exc).__name__}: {exc}", transient=True), None

    def _fetch_robots(self, url: str) -> Fetched:
        return self.get(url, max_bytes=512 * 1024)


def _media_type(header: str) -> str:
    return header.split(";", 1)[0].strip().lower()
