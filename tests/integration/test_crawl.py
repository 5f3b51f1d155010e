"""Crawling a real website on 127.0.0.1 (tests/websites.py): nested pages, robots.txt, sitemaps,
changes between crawls, pages that vanish, redirects, errors, slow and oversize pages, loops;
and syncing it into a real knowledge base. Every request goes to loopback, with the allowance
for private addresses on, except where the test is that it is refused."""

from __future__ import annotations

import gzip
import time
import uuid

import pytest

from knowledge.web import CrawlOptions, Fetcher, Refused, crawl, sync_site
from tests.websites import Website

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

FAST = CrawlOptions(allow_private=True, delay_seconds=0.0, page_seconds=2.0, connections=2)


def _options(**changes) -> CrawlOptions:
    return CrawlOptions(**{**FAST.__dict__, **changes})


def _help_center(site: Website) -> None:
    site.page("/help/", "<nav><a href='/'>Shop</a></nav><main><h1>Help</h1><a href='returns'>Returns</a> "
                        "<a href='shipping/'>Shipping</a> <a href='/blog/news'>News</a></main>", title="Help")
    site.page("/help/returns", "<main><h1>Returns</h1><p>Return a kettle within 30 days.</p>"
                               "<a href='shipping/rates'>Rates</a> <a href='/help/'>Help</a></main>", title="Returns")
    site.page("/help/shipping/", "<main><h1>Shipping</h1><p>We ship to 40 countries.</p>"
                                 "<a href='rates'>Rates</a></main>", title="Shipping")
    site.page("/help/shipping/rates", "<main><h1>Rates</h1><p>Shipping costs 4 euros.</p>"
                                      "<a href='../'>up</a></main>", title="Rates")
    site.page("/blog/news", "<p>outside the help center</p>")


@pytest.fixture
def site() -> Website:
    site = Website()
    _help_center(site)
    return site


def _pages(root: str, **options) -> dict:
    return {p.source.removeprefix(root): p for p in crawl(f"{root}/help/", options=_options(**options))}


def test_nested_pages_within_the_start_folder(site):
    with site.served() as root:
        pages = _pages(root)
    assert set(pages) == {"/help/", "/help/returns", "/help/shipping/", "/help/shipping/rates"}
    assert {p.status for p in pages.values()} == {"added"}
    assert b"Return a kettle" in pages["/help/returns"].content
    assert pages["/help/returns"].content_type == "text/html" and pages["/help/returns"].etag
    assert site.requested("/blog/news") == []  # outside /help/: never asked for
    assert pages["/help/"].depth == 0 and pages["/help/shipping/rates"].depth == 2


def test_depth_and_max_pages_bound_the_crawl(site):
    with site.served() as root:
        assert set(_pages(root, depth=1)) == {"/help/", "/help/returns", "/help/shipping/"}
        site.log.clear()
        assert len(_pages(root, max_pages=2, connections=1)) == 2
        assert len([p for p, _ in site.log if p != "/robots.txt"]) == 2


def test_robots_txt_keeps_the_crawl_out_and_sets_the_pace(site):
    site.put("/robots.txt", b"User-agent: *\nDisallow: /help/shipping/\nCrawl-delay: 0.3\n", "text/plain")
    with site.served() as root:
        start = time.monotonic()
        pages = _pages(root, delay_seconds=0.0)
        took = time.monotonic() - start
    assert set(pages) == {"/help/", "/help/returns"}  # a disallowed link is skipped, not reported
    assert site.requested("/help/shipping/") == [] and site.requested("/help/shipping/rates") == []
    assert len(site.requested("/robots.txt")) == 1
    assert took >= 0.3  # two pages, the second after the site's Crawl-delay


def test_politeness_few_connections_and_a_delay(site):
    for i in range(8):
        site.page(f"/help/p{i}", f"<p>page {i}</p>", wait_s=0.1)
    site.page("/help/", "".join(f"<a href='p{i}'>{i}</a>" for i in range(8)))
    with site.served() as root:
        start = time.monotonic()
        assert len(_pages(root, delay_seconds=0.1, connections=2)) == 9
        took = time.monotonic() - start
    assert site.most_in_flight == 2  # two at a time, never more
    assert took >= 0.8  # nine requests, each at least 0.1 s after the one before
    starts = [t for p, t in site.times if p != "/robots.txt"]
    gaps = sorted(b - a for a, b in zip(starts, starts[1:]))
    assert gaps[len(gaps) // 2] >= 0.07  # as the server saw them (arrival times jitter a little)


def test_a_page_that_changes_between_two_crawls(site):
    site.page("/help/shipping/rates", "<p>4 euros</p>", validators="last-modified")
    site.page("/help/shipping/", "<p>40 countries</p><a href='rates'>r</a>", validators="none")
    with site.served() as root:
        first = list(crawl(f"{root}/help/", options=FAST))
        known = {p.source: p.record() for p in first}
        site.page("/help/returns", "<main><p>Return a kettle within 60 days.</p></main>")
        site.log.clear()
        second = {p.source.removeprefix(root): p for p in crawl(f"{root}/help/", known=known, options=FAST)}
        assert second["/help/"].status == "unchanged"  # ETag: 304
        assert site.requested("/help/")[0]["if-none-match"] == known[f"{root}/help/"].etag
        assert second["/help/shipping/rates"].status == "unchanged"  # Last-Modified only: 304
        assert "if-modified-since" in site.requested("/help/shipping/rates")[0]
        assert second["/help/shipping/"].status == "unchanged"  # no validators: the same hash
        assert "if-none-match" not in site.requested("/help/shipping/")[0]
        assert second["/help/returns"].status == "updated" and b"60 days" in second["/help/returns"].content
        # links of a page that answered 304 are still followed
        assert set(second) == {"/help/", "/help/returns", "/help/shipping/", "/help/shipping/rates"}


def test_a_page_that_disappears_is_gone(site):
    with site.served() as root:
        known = {p.source: p.record() for p in crawl(f"{root}/help/", options=FAST)}
        site.remove("/help/shipping/rates")
        site.put("/help/returns", b"", status=410)
        site.page("/help/", "<a href='returns'>r</a><a href='shipping/'>s</a><a href='missing'>m</a>")
        site.page("/help/shipping/", "<p>no links now</p>")
        pages = {p.source.removeprefix(root): p for p in crawl(f"{root}/help/", known=known, options=FAST)}
    assert (pages["/help/shipping/rates"].status, pages["/help/shipping/rates"].reason) == ("gone", "HTTP 404")
    assert (pages["/help/returns"].status, pages["/help/returns"].reason) == ("gone", "HTTP 410")
    # a broken link to a page never had is a failure of that link, nothing to delete
    assert (pages["/help/missing"].status, pages["/help/missing"].transient) == ("failed", False)


def test_redirects_in_scope_followed_out_of_scope_refused(site):
    port_of = lambda root: root.rsplit(":", 1)[1]  # noqa: E731
    with site.served() as root:
        site.redirect("/help/old-returns", "/help/returns")
        site.redirect("/help/away", "/blog/news", 302)
        site.redirect("/help/elsewhere", f"http://localhost:{port_of(root)}/help/returns")
        site.redirect("/help/ftp", "ftp://127.0.0.1/file")
        site.redirect("/help/loop1", "/help/loop2")
        site.redirect("/help/loop2", "/help/loop1")
        site.page("/help/", "".join(f"<a href='{p}'>{p}</a>" for p in
                                    ["old-returns", "away", "elsewhere", "ftp", "loop1"]))
        pages = list(crawl(f"{root}/help/", options=_options(connections=1)))
    by_url = {p.url.removeprefix(root): p for p in pages}
    assert by_url["/help/returns"].status == "added"  # reached through the redirect, once
    assert [p.source for p in pages].count(f"{root}/help/returns") == 1
    failed = {p.reason for p in pages if p.status == "failed"}
    assert any("out of scope" in r and "/blog/news" in r for r in failed)
    assert any("out of scope" in r and "localhost" in r for r in failed)
    assert any("not crawled" in r and "ftp" in r for r in failed)
    assert any("redirect loop" in r for r in failed)
    assert site.requested("/blog/news") == []
    assert all(h["host"].startswith("127.0.0.1") for _, h in site.log)  # localhost was never dialled


def test_a_start_that_redirects_takes_its_scope_from_where_it_lands(site):
    site.redirect("/docs", "/help/")
    with site.served() as root:
        pages = {p.source.removeprefix(root) for p in crawl(f"{root}/docs", options=FAST)}
    assert pages == {"/help/", "/help/returns", "/help/shipping/", "/help/shipping/rates"}


def test_a_server_error_is_a_transient_failure(site):
    site.put("/help/returns", b"<h1>oops</h1>", status=500)
    site.put("/help/shipping/", b"busy", "text/plain", status=503)
    with site.served() as root:
        pages = _pages(root)
    assert (pages["/help/returns"].status, pages["/help/returns"].transient) == ("failed", True)
    assert pages["/help/returns"].reason == "HTTP 500"
    assert pages["/help/shipping/"].transient


def test_slow_pages_are_cut_at_the_time_limit(site):
    site.page("/help/returns", "<p>late</p>", wait_s=3.0)
    site.put("/help/shipping/", b"<p>" + b"x" * 3000 + b"</p>", drip_s=0.05)  # 1.5 s in 100-byte drops
    with site.served() as root:
        start = time.monotonic()
        pages = _pages(root, page_seconds=0.5)
        took = time.monotonic() - start
    for path in ("/help/returns", "/help/shipping/"):
        assert pages[path].status == "failed" and pages[path].transient
        assert "within 0.5 s" in pages[path].reason and "HELPDESK_SYNC__PAGE_SECONDS" in pages[path].reason
    assert took < 2.5


def test_oversize_pages_are_refused_while_streaming(site):
    big = b"<p>" + b"y" * 50_000 + b"</p>"
    site.put("/help/returns", big)
    site.put("/help/shipping/", big, length=False)  # no Content-Length: counted as it comes
    # 5 MB of HTML in 5 KB of gzip: the limit counts what it unpacks to
    site.put("/help/shipping/rates", gzip.compress(b"<p>" + b"0" * 5_000_000), headers={"Content-Encoding": "gzip"})
    site.page("/help/", "<a href='returns'>r</a> <a href='shipping/'>s</a> <a href='shipping/rates'>b</a>")
    with site.served() as root:
        pages = _pages(root, max_page_mb=0.01)
    for path in ("/help/returns", "/help/shipping/", "/help/shipping/rates"):
        assert pages[path].status == "failed" and not pages[path].transient
        assert "more than the limit" in pages[path].reason and pages[path].content == b""


def test_only_document_types_are_taken(site):
    site.put("/help/guide.md", b"# Guide\n\nPress the button.", "text/plain")
    site.put("/help/notes", b"# Notes\n\nplain", "text/markdown; charset=utf-8")
    site.put("/help/logo", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image/png")
    site.page("/help/", "<a href='guide.md'>g</a><a href='notes'>n</a><a href='logo'>l</a><a href='pic.png'>p</a>")
    with site.served() as root:
        pages = _pages(root)
    assert pages["/help/guide.md"].suffix == ".md" and pages["/help/notes"].suffix == ".md"
    assert pages["/help/logo"].status == "failed" and "image/png is not a document type" in pages["/help/logo"].reason
    assert site.requested("/help/pic.png") == []  # an image link is not even asked for


def test_a_loop_of_links_ends_and_canonical_urls_name_pages(site):
    for name, nxt in [("a", "b"), ("b", "c"), ("c", "a")]:
        site.page(f"/help/{name}", f"<a href='{nxt}'>next</a><a href='{name}'>self</a><a href='{name}#top'>top</a>"
                                   f"<a href='{name}?ref=loop'>alias</a><a href='/help/'>home</a>"
                                   f"<link rel='canonical' href='/help/{name}'>")
    site.page("/help/", "<a href='a'>a</a>")
    with site.served() as root:
        pages = list(crawl(f"{root}/help/", options=_options(depth=50)))
    sources = [p.source.removeprefix(root) for p in pages]
    assert sorted(sources) == ["/help/", "/help/a", "/help/b", "/help/c"]
    paths = [p for p, _ in site.log]
    assert all(paths.count(p) == 1 for p in ("/help/a", "/help/b", "/help/c"))
    # the aliases may be fetched once each, but they become no second document
    assert all(paths.count(f"/help/{n}?ref=loop") <= 1 for n in "abc")


def test_a_sitemap_lists_the_pages_and_drops_mean_gone(site):
    with site.served() as root:
        site.sitemap("/sitemap.xml", [f"{root}/help/returns", f"{root}/help/shipping/",
                                      "http://other.example/help/x", "ftp://127.0.0.1/y"])
        pages = {p.source.removeprefix(root): p for p in crawl(f"{root}/sitemap.xml", options=FAST)}
        assert set(pages) == {"/help/returns", "/help/shipping/"}  # links on them are not followed
        assert site.requested("/help/shipping/rates") == []
        known = {f"{root}{s}": p.record() for s, p in pages.items()}
        site.sitemap("/sitemap.xml", [f"{root}/help/returns"])
        again = {p.source.removeprefix(root): p for p in crawl(f"{root}/sitemap.xml", known=known, options=FAST)}
    assert again["/help/returns"].status == "unchanged"
    assert (again["/help/shipping/"].status, again["/help/shipping/"].reason) == ("gone", "no longer in the sitemap")


def test_a_sitemap_index_with_a_gzipped_sitemap(site):
    with site.served() as root:
        site.sitemap("/sitemap_index.xml", [f"{root}/maps/one.xml", f"{root}/maps/two.xml.gz", f"{root}/maps/gone.xml"],
                     index=True)
        site.sitemap("/maps/one.xml", [f"{root}/help/returns"])
        site.sitemap("/maps/two.xml.gz", [f"{root}/help/shipping/rates"], gz=True)
        known = {f"{root}/help/old": crawl.__globals__["PageRecord"](f"{root}/help/old")}
        pages = list(crawl(f"{root}/sitemap_index.xml", known=known, options=FAST))
    by = {p.source.removeprefix(root): p for p in pages}
    assert by["/help/returns"].status == by["/help/shipping/rates"].status == "added"
    assert by["/maps/gone.xml"].status == "failed"
    # one sitemap could not be read: nothing is declared gone on a partial list
    assert "/help/old" not in by


def test_loopback_is_refused_without_the_allowance(site):
    with site.served() as root:
        for start in (f"{root}/help/", root.replace("127.0.0.1", "localhost") + "/help/"):
            with pytest.raises(Refused, match="HELPDESK_SYNC__ALLOW_PRIVATE"):
                next(crawl(start, options=CrawlOptions()))
        # The fetcher refuses at the connection too (a name that resolves differently later)
        with Fetcher(CrawlOptions()) as fetcher:
            got = fetcher.get(f"{root}/help/")
        assert got.status == 0 and "loopback" in got.error and not got.transient
    assert site.log == []


# --- syncing into a real knowledge base ------------------------------------------------------


@pytest.fixture
def knowledge(tmp_path, minilm):
    from knowledge import open_knowledge

    return open_knowledge(tmp_path / "data", embedder=minilm, name=f"t{uuid.uuid4().hex[:8]}", progress=False)


def test_sync_ingests_changes_deletes_gone_pages_and_keeps_failed_ones(site, knowledge):
    kb = knowledge
    with site.served() as root:
        state: dict = {}
        first = sync_site(knowledge, f"{root}/help/", state, options=FAST)
        assert first.counts() == {"added": 4, "updated": 0, "unchanged": 0, "gone": 0, "failed": 0}
        assert sorted(d.source for d in kb.documents()) == sorted(state) == sorted(
            f"{root}{p}" for p in ["/help/", "/help/returns", "/help/shipping/", "/help/shipping/rates"])
        returns = kb.chunks_of(f"{root}/help/returns")
        assert returns[0].title == "Returns" and "30 days" in " ".join(c.text for c in returns)
        assert all("Shop" not in c.text for c in kb.chunks_of(f"{root}/help/"))  # navigation dropped

        again = sync_site(knowledge, f"{root}/help/", state, options=FAST)
        assert again.counts()["unchanged"] == 4 and again.requests == 5  # robots.txt + four 304s

        site.page("/help/returns", "<main><h1>Returns</h1><p>Return a kettle within 60 days.</p></main>",
                  title="Returns")
        site.remove("/help/shipping/rates")
        site.put("/help/shipping/", b"down", status=500)
        third = sync_site(knowledge, f"{root}/help/", state, options=FAST)
    assert third.counts() == {"added": 0, "updated": 1, "unchanged": 1, "gone": 1, "failed": 1}
    text = " ".join(c.text for c in kb.chunks_of(f"{root}/help/returns"))
    assert "60 days" in text and "30 days" not in text
    assert kb.document(f"{root}/help/shipping/rates") is None and f"{root}/help/shipping/rates" not in state
    assert kb.document(f"{root}/help/shipping/") is not None  # 500: the old copy stays
    assert f"{root}/help/shipping/" in state
