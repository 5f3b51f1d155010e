"""URLs of a crawl: one normal form, the scope a crawl stays in, and the links of an HTML page."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from .guard import Refused

__all__ = ["normalise", "Scope", "page_links"]

_DEFAULT_PORT = {"http": 80, "https": 443}
# Links to these are never pages: not worth a request.
_NOT_PAGES = frozenset(
    ".png .jpg .jpeg .gif .webp .svg .ico .bmp .tif .tiff .css .js .mjs .map .woff .woff2 .ttf .otf .eot "
    ".mp3 .mp4 .m4a .wav .ogg .webm .mov .avi .zip .gz .tgz .bz2 .xz .7z .rar .tar .exe .dmg .msi .deb "
    ".rpm .apk .iso .bin .wasm".split()
)


def normalise(url: str, base: str | None = None) -> str:
    """``url`` (resolved against ``base``) in one normal form: scheme and host in lower case, no
    default port, no fragment, no credentials, ``/`` for an empty path. Raises :class:`Refused`
    for anything but an http or https URL with a host."""
    try:
        parsed = httpx.URL(base).join(url) if base else httpx.URL(url.strip())
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise Refused(f"{url!r} is not a valid URL: {exc}") from exc
    if parsed.scheme not in _DEFAULT_PORT:
        raise Refused(f"{url!r}: only http and https URLs are crawled, not {parsed.scheme or 'a relative URL'}")
    if not parsed.host:
        raise Refused(f"{url!r} has no host")
    port = None if parsed.port in (None, _DEFAULT_PORT[parsed.scheme]) else parsed.port
    netloc = parsed.copy_with(port=port).netloc.decode("ascii")
    return f"{parsed.scheme}://{netloc}{parsed.raw_path.decode('ascii') or '/'}"


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


@dataclass(frozen=True)
class Scope:
    """The pages a crawl may visit: one scheme, host and port, and paths under one prefix.

    A start page's prefix is its folder (``/docs/intro`` -> ``/docs/``); a sitemap's is ``/``.
    """

    origin: tuple[str, str, int | None]
    prefix: str

    @classmethod
    def of(cls, start: str, *, whole_host: bool = False) -> Scope:
        """The scope of a crawl that starts at ``start`` (a normalised URL)."""
        url = httpx.URL(start)
        path = url.path
        prefix = "/" if whole_host else path[: path.rfind("/") + 1] or "/"
        return cls(_origin(url), prefix)

    def __contains__(self, url: str) -> bool:
        parsed = httpx.URL(url)
        return _origin(parsed) == self.origin and parsed.path.startswith(self.prefix)

    def describe(self) -> str:
        """The scope as a URL prefix, for messages."""
        scheme, host, port = self.origin
        return f"{scheme}://{host}{'' if port is None else f':{port}'}{self.prefix}"


def page_links(html: bytes, base: str) -> tuple[list[str], str | None]:
    """The normalised links of an HTML page that may be pages (in document order, each once),
    and its ``<link rel=canonical>`` if it has one; ``<base href>`` is honoured."""
    from lxml import etree
    from lxml import html as lxml_html

    try:
        root = lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):  # nothing that parses as a document: no links
        return [], None
    for href in root.xpath("//base/@href")[:1]:
        base = _join(base, href) or base
    canonical = None
    for link in root.xpath("//link[@href]"):
        if "canonical" in (link.get("rel") or "").lower().split():
            canonical = _join(base, link.get("href"))
            break
    if any("nofollow" in (m.get("content") or "").lower() for m in root.xpath("//meta[@name]")
           if (m.get("name") or "").lower() == "robots"):
        return [], canonical
    links: dict[str, None] = {}
    for a in root.xpath("//a[@href]"):
        if "nofollow" in (a.get("rel") or "").lower().split():
            continue
        url = _join(base, a.get("href"))
        if url and not _suffix(url) in _NOT_PAGES:
            links[url] = None
    return list(links), canonical


def _join(base: str, href: str) -> str | None:
    try:
        return normalise(href.strip(), base)
    except Refused:
        return None  # mailto:, javascript:, malformed: not a page


def _suffix(url: str) -> str:
    last = httpx.URL(url).path.rsplit("/", 1)[-1]
    return last[last.rfind("."):].lower() if "." in last else ""
