"""Sitemaps (sitemaps.org): a ``<urlset>`` lists pages, a ``<sitemapindex>`` lists sitemaps.

Parsed with lxml from bytes the crawl's own fetcher brought (so every sitemap URL passes the
same guard), gzip allowed, entities and DTDs never loaded.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

__all__ = ["Sitemap", "parse_sitemap", "looks_like_sitemap"]

_GZIP = b"\x1f\x8b"


@dataclass
class Sitemap:
    """What one sitemap file lists: pages (``urlset``) or further sitemaps (``index``)."""

    kind: str  # "urlset" | "index"
    urls: list[str]


def looks_like_sitemap(content_type: str, url: str, data: bytes) -> bool:
    """Is this response a sitemap rather than a page? (XML or gzip, with a sitemap root.)"""
    xml_type = "xml" in content_type or content_type in ("application/gzip", "application/x-gzip")
    if not (xml_type or url.lower().endswith((".xml", ".xml.gz"))):
        return False
    head = data[:2048].lstrip()
    return data.startswith(_GZIP) or b"<urlset" in head or b"<sitemapindex" in head


def parse_sitemap(data: bytes, source: str, max_bytes: int) -> Sitemap:
    """The entries of a sitemap (gzipped or not); raises ValueError naming ``source`` when it is not one."""
    from lxml import etree

    if data.startswith(_GZIP):
        data = _gunzip(data, source, max_bytes)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"{source} is not a readable sitemap: {exc}") from exc
    kind = {"urlset": "urlset", "sitemapindex": "index"}.get(etree.QName(root).localname)
    if kind is None:
        raise ValueError(f"{source} is XML but not a sitemap (its root is <{etree.QName(root).localname}>)")
    urls = []
    for entry in root:
        if not isinstance(entry.tag, str):
            continue  # a comment or processing instruction
        for loc in entry:
            if isinstance(loc.tag, str) and etree.QName(loc).localname == "loc" and (loc.text or "").strip():
                urls.append(loc.text.strip())
    return Sitemap(kind, list(dict.fromkeys(urls)))


def _gunzip(data: bytes, source: str, max_bytes: int) -> bytes:
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflate.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise ValueError(f"{source} is not a readable gzip file: {exc}") from exc
    if len(out) > max_bytes:
        raise ValueError(f"{source} unpacks to more than {max_bytes:,} bytes (HELPDESK_SYNC__MAX_PAGE_MB)")
    return out
