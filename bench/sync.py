"""Website sync speed: pages per second crawling a generated 500-page help center served on
127.0.0.1, and the time of a second pass when nothing changed (conditional requests: 304s).

Three measures, each a first pass and a second unchanged pass:
- crawl by links, no delay between requests (what the crawler itself costs);
- crawl from the sitemap;
- sync into a real knowledge base (the packaged embedder): crawl + load + embed + store.
The polite default (``HELPDESK_SYNC__DELAY_SECONDS=0.5``) bounds a real site to 2 pages a second
whatever these figures say; they show what is left for the site and the embedder.

    python bench/sync.py [--pages 500] [--connections 2] [--out bench/results/sync.json]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.xquad import emit  # noqa: E402
from tests.websites import Website  # noqa: E402

PRODUCTS = ["kettle", "teapot", "tea maker", "milk frother", "gift card", "tea tin", "cup set"]
ACTIONS = ["return", "repair", "clean", "descale", "register", "replace", "ship", "exchange"]


def make_site(site: Website, n: int, seed: int = 5) -> list[str]:
    """``n`` article pages under /help/ in sections of 25, an index per section and a home page;
    each article links to its section, two neighbours and a random article. Returns the paths."""
    rng = random.Random(seed)
    nav = "<nav><a href='/'>Shop</a> <a href='/help/'>Help</a> <a href='/account'>Account</a></nav>"
    articles = [f"/help/s{i // 25:02d}/a{i:04d}" for i in range(n)]
    sections = sorted({a.rsplit("/", 1)[0] + "/" for a in articles})
    for i, path in enumerate(articles):
        p, a = rng.choice(PRODUCTS), rng.choice(ACTIONS)
        links = [articles[(i + 1) % n], articles[i - 1], rng.choice(articles), path.rsplit("/", 1)[0] + "/"]
        body = "".join(f"<p>To {a} your {p}, sign in within {rng.randint(2, 60)} days and open request {i}. "
                       f"We answer within {rng.randint(1, 9)} working days; the fee is {rng.randint(3, 15)} euros.</p>"
                       for _ in range(3))
        site.page(path, f"{nav}<main><h1>How to {a} a {p} ({i})</h1>{body}"
                        + "".join(f"<a href='{link}'>more</a> " for link in links) + "</main><footer>© Shop</footer>",
                  title=f"How to {a} a {p} ({i})")
    for section in sections:
        items = [a for a in articles if a.startswith(section)]
        site.page(section, nav + "<main><ul>" + "".join(f"<li><a href='{a}'>{a}</a></li>" for a in items) + "</ul></main>",
                  title=f"Section {section}")
    site.page("/help/", nav + "<main>" + "".join(f"<a href='{s}'>{s}</a> " for s in sections) + "</main>", title="Help")
    return ["/help/", *sections, *articles]


def _crawl_twice(start: str, options) -> dict:
    from knowledge.web import crawl

    t0 = time.perf_counter()
    first = list(crawl(start, options=options))
    first_s = time.perf_counter() - t0
    known = {p.source: p.record() for p in first if p.hash}
    t0 = time.perf_counter()
    second = list(crawl(start, known=known, options=options))
    second_s = time.perf_counter() - t0
    return {
        "pages": len(first),
        "first_seconds": round(first_s, 2),
        "pages_per_s": round(len(first) / first_s, 1),
        "first_statuses": sorted({p.status for p in first}),
        "unchanged_seconds": round(second_s, 2),
        "unchanged_pages_per_s": round(len(second) / second_s, 1),
        "second_statuses": sorted({p.status for p in second}),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=500, help="articles (plus section indexes and a home page)")
    ap.add_argument("--connections", type=int, default=2)
    ap.add_argument("--embedder", default="multilingual-e5-small")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()

    from knowledge import open_knowledge
    from knowledge.embedders import make_embedder
    from knowledge.web import CrawlOptions, sync_site

    site = Website()
    paths = make_site(site, args.pages)
    options = CrawlOptions(allow_private=True, delay_seconds=0.0, connections=args.connections,
                           max_pages=len(paths), depth=10)
    result: dict = {"site_pages": len(paths), "connections": args.connections, "delay_seconds": 0.0}
    with site.served() as root:
        site.sitemap("/sitemap.xml", [root + p for p in paths])
        result["crawl_links"] = _crawl_twice(f"{root}/help/", options)
        result["crawl_sitemap"] = _crawl_twice(f"{root}/sitemap.xml", options)

        embedder = make_embedder(args.embedder)
        embedder.embed(["warm-up"])
        with tempfile.TemporaryDirectory() as tmp:
            kb = open_knowledge(Path(tmp) / "data", embedder=embedder, name="bench", progress=False)
            state: dict = {}
            first = sync_site(kb, f"{root}/help/", state, options=options)
            second = sync_site(kb, f"{root}/help/", state, options=options)
            result["sync"] = {
                "embedder": embedder.name,
                "first_seconds": round(first.seconds, 1),
                "first_counts": first.counts(),
                "pages_per_s": round(len(first.pages) / first.seconds, 1),
                "chunks": sum(d.chunks for d in kb.documents()),
                "unchanged_seconds": round(second.seconds, 2),
                "unchanged_counts": second.counts(),
                "unchanged_requests": second.requests,
            }
    emit(result, args.out)


if __name__ == "__main__":
    main()
