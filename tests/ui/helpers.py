"""Small helpers for talking to a real server in tests."""

from __future__ import annotations

import contextlib
import http.server
import json
from collections.abc import Iterator
from typing import Any

import httpx

from tests.servers import threaded_http

CONTRACT_KEYS = {"answer", "refused", "canned", "sources", "timings_ms", "session_id"}
SOURCE_KEYS = {"n", "source", "title", "location", "text", "score"}


def sse_events(response: httpx.Response) -> list[tuple[str, Any]]:
    """The (event, data) pairs of a server-sent event stream, in order."""
    events, kind, data = [], None, []
    for line in response.iter_lines():
        if line.startswith("event:"):
            kind = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif not line and kind:
            events.append((kind, json.loads("\n".join(data))))
            kind, data = None, []
    return events


def chat(client: httpx.Client, message: str, session_id: str | None = None, *, client_ip: str | None = None,
         timeout: float = 300) -> httpx.Response:
    """POST /api/v1/chat (JSON answer)."""
    body: dict[str, Any] = {"message": message}
    if session_id:
        body["session_id"] = session_id
    headers = {"X-Forwarded-For": client_ip} if client_ip else {}
    return client.post("/chat", json=body, headers=headers, timeout=timeout)


@contextlib.contextmanager
def static_site(pages: dict[str, str]) -> Iterator[str]:
    """A website on its own origin (127.0.0.1, a free port) serving ``pages`` ({path: html}); yields its URL."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            body = pages.get(self.path.split("?")[0])
            if body is None:
                self.send_error(404)
                return
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    with threaded_http(Handler) as url:
        yield url


def admin_login(page, server, password: str, user: str = "admin") -> None:
    """Sign in to the admin console at ``server`` in a Playwright page."""
    page.goto(server.url + "/admin/")
    page.get_by_label("username").fill(user)
    page.get_by_label("password").fill(password)
    page.get_by_role("button", name="Login").click()
