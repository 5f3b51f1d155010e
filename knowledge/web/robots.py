"""robots.txt, read once per site (scheme, host and port) and obeyed (RFC 9309, through Protego).

A missing robots.txt (4xx) allows everything; one that cannot be read (5xx, timeout) allows
nothing for now, as the RFC asks, and the pages it blocks count as transient failures.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import httpx
from protego import Protego

__all__ = ["Robots", "Refusal"]


class _Answer(Protocol):
    """What reading a robots.txt needs of a fetch's outcome (``fetch.Fetched`` has it; importing it
    here would make an import circle, as the fetcher imports this module)."""

    status: int
    content: bytes
    error: str | None

    @property
    def ok(self) -> bool:
        """A page came back with its content."""


@dataclass(frozen=True)
class Refusal:
    """Why robots.txt keeps a crawl from a URL, and whether that may change by the next try."""

    reason: str
    transient: bool = False


@dataclass(frozen=True)
class _Site:
    rules: Protego | None  # None: nothing may be fetched
    error: str | None = None


class Robots:
    """The robots.txt rules of every site a crawl visits, fetched through the crawl's own client."""

    def __init__(self, fetch: Callable[[str], _Answer], user_agent: str):
        self._fetch, self.user_agent = fetch, user_agent
        self._sites: dict[str, _Site] = {}
        self._lock = threading.Lock()

    def refusal(self, url: str) -> Refusal | None:
        """Why ``url`` may not be fetched, or None when it may."""
        site = self._site(url)
        if site.rules is None:
            return Refusal(f"robots.txt of {_origin(url)} could not be read ({site.error}); retried next time",
                           transient=True)
        if not site.rules.can_fetch(url, self.user_agent):
            return Refusal(f"disallowed by {_origin(url)}/robots.txt")
        return None

    def delay(self, url: str, default: float, cap: float) -> float:
        """Seconds between requests to ``url``'s site: its Crawl-delay when known, up to ``cap``."""
        site = self._sites.get(_origin(url))
        asked = site.rules.crawl_delay(self.user_agent) if site and site.rules else None
        return min(max(default, float(asked or 0)), max(cap, default))

    def _site(self, url: str) -> _Site:
        origin = _origin(url)
        with self._lock:  # one fetch per site, even when several workers ask at once
            if origin not in self._sites:
                self._sites[origin] = self._read(origin)
            return self._sites[origin]

    def _read(self, origin: str) -> _Site:
        got = self._fetch(f"{origin}/robots.txt")
        if got.ok:
            return _Site(Protego.parse(got.content.decode("utf-8", errors="replace")))
        if 400 <= got.status < 500 and got.status != 429:
            return _Site(Protego.parse(""))
        return _Site(None, got.error or f"HTTP {got.status}")


def _origin(url: str) -> str:
    parsed = httpx.URL(url)
    return f"{parsed.scheme}://{parsed.netloc.decode('ascii')}"
