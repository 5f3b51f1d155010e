"""A real website on 127.0.0.1 for crawl tests and the sync benchmark: pages that change,
vanish, redirect, fail, answer slowly or too much, with ETag and Last-Modified like a real server.

    site = Website()
    site.page("/help/", "<a href='returns'>Returns</a>")
    with site.served() as root:        # http://127.0.0.1:PORT
        ...
    site.log                           # every request: (path, headers), in arrival order
"""

from __future__ import annotations

import contextlib
import email.utils
import gzip
import hashlib
import http.server
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from tests.servers import threaded_http


@dataclass
class Resource:
    """What one path answers."""

    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    wait_s: float = 0.0  # before the headers
    drip_s: float = 0.0  # between 100-byte pieces of the body
    validators: str = "both"  # "both", "etag", "last-modified" or "none": what is sent and honoured
    length: bool = True  # send Content-Length (else the body ends when the connection closes)
    modified: float = field(default_factory=time.time)


class Website:
    """Paths and what they answer; change them between crawls while the server runs."""

    def __init__(self):
        self.resources: dict[str, Resource] = {}
        self.log: list[tuple[str, dict[str, str]]] = []
        self.times: list[tuple[str, float]] = []  # (path, monotonic time) of every request
        self.lock = threading.Lock()
        self.in_flight = self.most_in_flight = 0

    def page(self, path: str, html: str, *, title: str | None = None, **options) -> None:
        """An HTML page; ``html`` goes in its body (a <title> is added when given)."""
        head = f"<title>{title}</title>" if title else ""
        self.put(path, f"<!doctype html><html><head>{head}</head><body>{html}</body></html>".encode(), **options)

    def put(self, path: str, body: bytes, content_type: str = "text/html; charset=utf-8", **options) -> None:
        """Any resource; its Last-Modified moves forward whenever its body changes."""
        old = self.resources.get(path)
        modified = time.time()
        if old is not None and old.body == body:
            modified = old.modified
        elif old is not None:
            modified = max(modified, old.modified + 1)  # HTTP dates have whole seconds
        self.resources[path] = Resource(body, content_type, modified=modified, **options)

    def redirect(self, path: str, to: str, status: int = 301) -> None:
        """A redirect to ``to`` (a path or a full URL)."""
        self.resources[path] = Resource(status=status, headers={"Location": to}, validators="none")

    def sitemap(self, path: str, urls: list[str], *, index: bool = False, gz: bool = False) -> None:
        """A sitemap (or a sitemap index) listing ``urls``; gzipped when ``gz``."""
        root, item = ("sitemapindex", "sitemap") if index else ("urlset", "url")
        body = ('<?xml version="1.0" encoding="UTF-8"?>'
                f'<{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                + "".join(f"<{item}><loc>{u}</loc></{item}>" for u in urls) + f"</{root}>").encode()
        if gz:
            self.put(path, gzip.compress(body), "application/gzip")
        else:
            self.put(path, body, "application/xml")

    def remove(self, path: str) -> None:
        """The path answers 404 from now on."""
        self.resources.pop(path, None)

    def requested(self, path: str) -> list[dict[str, str]]:
        """The headers of every request for ``path``."""
        return [headers for p, headers in self.log if p == path]

    @contextlib.contextmanager
    def served(self) -> Iterator[str]:
        """Serve the site on 127.0.0.1 and a free port; yields the root URL (no trailing slash)."""
        with threaded_http(_handler(self)) as url:
            yield url


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:16] + '"'


def _handler(site: Website) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in two writes: without this, Nagle's algorithm and the
            # client's delayed ACK hold every body back ~40 ms, as no real web server allows.
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_GET(self) -> None:
            with site.lock:
                site.log.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                site.times.append((self.path, time.monotonic()))
                site.in_flight += 1
                site.most_in_flight = max(site.most_in_flight, site.in_flight)
            try:
                self._answer(site.resources.get(self.path.split("?", 1)[0]))  # queries ignored, as sites do
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (time or size limit): that is what some tests check
            finally:
                with site.lock:
                    site.in_flight -= 1

        def _answer(self, res: Resource | None) -> None:
            if res is None:
                res = Resource(b"<h1>Not found</h1>", status=404, validators="none")
            time.sleep(res.wait_s)
            headers = dict(res.headers)
            status = res.status
            if status == 200 and res.validators in ("both", "etag"):
                headers["ETag"] = _etag(res.body)
                if self.headers.get("If-None-Match") == headers["ETag"]:
                    status = 304
            if status == 200 and res.validators in ("both", "last-modified"):
                headers["Last-Modified"] = email.utils.formatdate(res.modified, usegmt=True)
                since = self.headers.get("If-Modified-Since")
                # If-None-Match wins over If-Modified-Since when the server has ETags (RFC 9110)
                if since and not ("ETag" in headers and self.headers.get("If-None-Match")) and \
                        email.utils.parsedate_to_datetime(since).timestamp() >= int(res.modified):
                    status = 304
            body = b"" if status == 304 else res.body
            self.send_response(status)
            if status != 304:
                self.send_header("Content-Type", res.content_type)
            for name, value in headers.items():
                self.send_header(name, value)
            if status == 304:
                pass  # no body, and HTTP says so without a length
            elif res.length:
                self.send_header("Content-Length", str(len(body)))
            else:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            step = 100 if res.drip_s else len(body) or 1
            for i in range(0, len(body), step):
                self.wfile.write(body[i : i + step])
                self.wfile.flush()
                time.sleep(res.drip_s)

        def log_message(self, *args) -> None:
            pass

    return Handler
