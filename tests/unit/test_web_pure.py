"""The pure parts of crawling: which addresses are allowed, URL normal form and scope, links and
canonical of a page, sitemaps, document types. No network: addresses are judged, never dialled."""

from __future__ import annotations

import gzip

import pytest

from knowledge.web import Refused, address_allowed, address_kind
from knowledge.web.pages import Page, loader_suffix, page_file
from knowledge.web.sitemap import looks_like_sitemap, parse_sitemap
from knowledge.web.urls import Scope, normalise, page_links

GLOBAL = ["8.8.8.8", "1.1.1.1", "2001:4860:4860::8888", "151.101.1.69"]
PRIVATE = {
    "10.0.0.5": "private", "172.16.3.4": "private", "192.168.1.1": "private", "100.64.0.1": "private",
    "192.0.2.10": "private", "198.18.0.1": "private", "fc00::1": "private", "fd12:3456::1": "private",
    "127.0.0.1": "loopback", "127.8.9.10": "loopback", "::1": "loopback",
    "169.254.169.254": "link-local", "fe80::1": "link-local", "fe80::1%eth0": "link-local",
    # IPv6 forms that carry an IPv4 address are judged by it
    "::ffff:127.0.0.1": "loopback", "::ffff:10.1.2.3": "private", "64:ff9b::7f00:1": "loopback",
    "2002:a00:1::": "private", "2002:7f00:1::": "loopback",
}
NEVER = {"0.0.0.0": "unspecified", "::": "unspecified", "224.0.0.1": "multicast", "233.1.1.1": "multicast",
         "ff02::1": "multicast", "240.0.0.1": "reserved", "255.255.255.255": "reserved"}


@pytest.mark.parametrize("address", GLOBAL)
def test_global_addresses_are_allowed(address):
    assert address_kind(address) == "global"
    assert address_allowed(address) and address_allowed(address, allow_private=True)


@pytest.mark.parametrize("address,kind", PRIVATE.items())
def test_private_loopback_and_link_local_need_the_allowance(address, kind):
    assert address_kind(address) == kind
    assert not address_allowed(address)
    assert address_allowed(address, allow_private=True)


@pytest.mark.parametrize("address,kind", NEVER.items())
def test_unspecified_multicast_and_reserved_are_never_allowed(address, kind):
    assert address_kind(address) == kind
    assert not address_allowed(address) and not address_allowed(address, allow_private=True)


def test_normal_form():
    assert normalise("HTTP://Help.Example.COM:80/a/../b/./c?x=1#top") == "http://help.example.com/b/c?x=1"
    assert normalise("https://h.example:443") == "https://h.example/"
    assert normalise("https://user:secret@h.example:8443/p") == "https://h.example:8443/p"
    assert normalise("../x#y", "http://h.example/a/b/c") == "http://h.example/a/x"
    assert normalise("https://例え.jp/パス") == "https://xn--r8jz45g.jp/%E3%83%91%E3%82%B9"


@pytest.mark.parametrize("bad", ["ftp://h.example/", "file:///etc/passwd", "javascript:alert(1)",
                                 "gopher://h.example:70/", "http:///nohost", "/relative/only", "data:text/html,x"])
def test_only_http_urls_with_a_host(bad):
    with pytest.raises(Refused):
        normalise(bad)


def test_scope_is_one_origin_and_the_start_folder():
    scope = Scope.of(normalise("https://help.example/docs/intro"))
    assert "https://help.example/docs/a/b" in scope
    assert "https://help.example/docs/" in scope
    assert "https://help.example/doc" not in scope
    assert "https://help.example/docsx/" not in scope
    assert "http://help.example/docs/a" not in scope  # another scheme
    assert "https://help.example:8443/docs/a" not in scope  # another port
    assert "https://evil.example/docs/a" not in scope
    assert Scope.of(normalise("https://help.example"), whole_host=True).prefix == "/"


def test_links_and_canonical():
    html = b"""<html><head><base href="/docs/"><link rel="Canonical" href="guide#x"></head><body>
      <a href="b">b</a> <a href="b#again">b again</a> <a href="mailto:x@y">mail</a>
      <a href="javascript:void(0)">js</a> <a href="logo.PNG">img</a> <a href="c.pdf">pdf</a>
      <a rel="nofollow" href="secret">no</a> <a href="https://other.example/z">other</a></body></html>"""
    links, canonical = page_links(html, "http://h.example:81/start")
    assert canonical == "http://h.example:81/docs/guide"
    assert links == ["http://h.example:81/docs/b", "http://h.example:81/docs/c.pdf", "https://other.example/z"]


def test_meta_robots_nofollow_and_broken_html():
    links, _ = page_links(b'<meta name="ROBOTS" content="noindex, NOFOLLOW"><a href="x">x</a>', "http://h.example/")
    assert links == []
    assert page_links(b"", "http://h.example/") == ([], None)
    assert page_links(b"\x00\xff<<<a href=", "http://h.example/")[0] == []


def _urlset(*urls: str, root="urlset", item="url") -> bytes:
    return (f'<?xml version="1.0"?><{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(f"<{item}><loc> {u} </loc><lastmod>2024-01-01</lastmod></{item}>" for u in urls)
            + f"<!-- c --></{root}>").encode()


def test_sitemap_and_index_gzip_or_not():
    data = _urlset("http://h.example/a", "http://h.example/b", "http://h.example/a")
    assert parse_sitemap(data, "s.xml", 10**6).urls == ["http://h.example/a", "http://h.example/b"]
    index = parse_sitemap(gzip.compress(_urlset("http://h.example/s1.xml", root="sitemapindex", item="sitemap")),
                          "s.xml.gz", 10**6)
    assert (index.kind, index.urls) == ("index", ["http://h.example/s1.xml"])
    assert looks_like_sitemap("application/xml", "http://h.example/sitemap", data)
    assert not looks_like_sitemap("text/html", "http://h.example/page", b"<html>")
    assert not looks_like_sitemap("application/rss+xml", "http://h.example/feed", b"<rss>")


def test_sitemap_refusals_name_the_problem():
    with pytest.raises(ValueError, match="not a sitemap"):
        parse_sitemap(b"<rss><channel/></rss>", "feed.xml", 10**6)
    with pytest.raises(ValueError, match="not a readable sitemap"):
        parse_sitemap(b"<urlset><url>", "broken.xml", 10**6)
    bomb = gzip.compress(b"<urlset>" + b" " * 5_000_000 + b"</urlset>")
    with pytest.raises(ValueError, match="unpacks to more than"):
        parse_sitemap(bomb, "bomb.xml.gz", 1_000_000)


def test_sitemap_entities_are_not_expanded():
    xxe = (b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b'<urlset><url><loc>http://h.example/&x;</loc></url></urlset>')
    urls = parse_sitemap(xxe, "x.xml", 10**6).urls
    assert all("root:" not in u for u in urls)


@pytest.mark.parametrize("content_type,url,suffix", [
    ("text/html", "http://h/a", ".html"), ("application/xhtml+xml", "http://h/a", ".html"),
    ("text/markdown", "http://h/a", ".md"), ("text/markdown", "http://h/a.mdx", ".mdx"),
    ("text/plain", "http://h/readme.md", ".md"), ("text/plain", "http://h/notes", ".txt"),
    ("application/pdf", "http://h/manual", ".pdf"), ("application/octet-stream", "http://h/f.docx", ".docx"),
    ("text/csv", "http://h/x", ".csv"), ("application/json", "http://h/faq", ".json"),
    ("image/png", "http://h/a.html", None), ("application/octet-stream", "http://h/a.exe", None),
    ("", "http://h/page", None), ("application/javascript", "http://h/a.js", None),
])
def test_document_types(content_type, url, suffix):
    assert loader_suffix(content_type, url) == suffix


def test_page_file_names(tmp_path):
    page = Page("http://h.example/docs/Returns%20&%20refunds.html?x=1", "s", "added", content=b"<p>x</p>",
                content_type="text/html")
    path = page_file(page, tmp_path / "0")
    assert path.suffix == ".html" and path.read_bytes() == b"<p>x</p>"
    assert path.parent == tmp_path / "0" and "/" not in path.stem and path.stem
    root = page_file(Page("http://h.example/", "s", "added", content=b"x", content_type="text/plain"), tmp_path / "1")
    assert root.name == "h.example.txt"
