"""Small helpers for talking to a real server in tests."""

from __future__ import annotations

import json
from typing import Any

import httpx

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
