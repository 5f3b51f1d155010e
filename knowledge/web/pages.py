"""What a crawl gives back per page, what it remembers for the next one, and which responses
are documents (the types ``knowledge/loaders.py`` reads, by Content-Type and suffix)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

from ..loaders import SUPPORTED_SUFFIXES

__all__ = ["Page", "PageRecord", "loader_suffix", "refuse_type", "page_file"]

_TYPES = {
    "text/html": ".html", "application/xhtml+xml": ".html",
    "text/markdown": ".md", "text/x-markdown": ".md", "text/mdx": ".mdx",
    "text/plain": ".txt",
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "text/csv": ".csv", "text/tab-separated-values": ".tsv",
    "application/json": ".json",
    "application/yaml": ".yaml", "application/x-yaml": ".yaml", "text/yaml": ".yaml", "text/x-yaml": ".yaml",
}
# Types that say little: the URL's suffix decides (raw Markdown is often served as text/plain).
_VAGUE = {"", "text/plain", "application/octet-stream", "binary/octet-stream"}
_MARKDOWN = {".md", ".markdown", ".mdx"}


def _url_suffix(url: str) -> str:
    last = httpx.URL(url).path.rsplit("/", 1)[-1]
    return last[last.rfind("."):].lower() if "." in last else ""


def loader_suffix(content_type: str, url: str) -> str | None:
    """The loader suffix for a response of ``content_type`` at ``url``, or None if none reads it."""
    suffix = _url_suffix(url)
    if content_type in _VAGUE and suffix in SUPPORTED_SUFFIXES:
        return suffix
    kind = _TYPES.get(content_type)
    if kind == ".md" and suffix in _MARKDOWN:
        return suffix
    return kind


def refuse_type(content_type: str, url: str) -> str | None:
    """Why a response is not a document we read (named by its type), or None when it is."""
    if loader_suffix(content_type, url) is None:
        return f"{content_type or 'no content type'} is not a document type helpdesk reads"
    return None


@dataclass
class PageRecord:
    """What the next crawl needs to know about a page it has: where it was, and its version."""

    url: str  # the URL fetched (after redirects)
    etag: str | None = None
    last_modified: str | None = None
    hash: str | None = None
    links: list[str] = field(default_factory=list)  # an unchanged page (HTTP 304) still leads on

    def as_dict(self) -> dict:
        """A JSON-ready copy, for whoever stores the state."""
        return asdict(self)


@dataclass
class Page:
    """One page of a crawl and what became of it.

    ``status``: ``added`` (new), ``updated`` (its content changed), ``unchanged`` (HTTP 304 or
    the same content hash), ``gone`` (404/410 or dropped from the sitemap: delete it) or
    ``failed`` (``reason`` says why; ``transient`` failures keep the old copy and retry next time).
    """

    url: str
    source: str  # the canonical URL: the document's source name
    status: str
    reason: str | None = None
    transient: bool = False
    content: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    hash: str | None = None
    depth: int = 0
    links: list[str] = field(default_factory=list)  # in-scope links of an HTML page

    def record(self) -> PageRecord:
        """The state to keep for this page."""
        return PageRecord(self.url, self.etag, self.last_modified, self.hash, list(self.links))

    @property
    def suffix(self) -> str | None:
        """The loader suffix of its content."""
        return loader_suffix(self.content_type, self.url)


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def page_file(page: Page, folder: Path) -> Path:
    """Write a page's content to a file in ``folder`` that the loaders read by its suffix; its
    stem (the page's last path segment) is the title when the page names none."""
    last = httpx.URL(page.url).path.rstrip("/").rsplit("/", 1)[-1]
    stem = _UNSAFE.sub("-", last.rsplit(".", 1)[0] if "." in last else last).strip("-.")[:80]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem or httpx.URL(page.url).host or 'page'}{page.suffix}"
    path.write_bytes(page.content)
    return path
