"""Delivering a hand-off to people: a JSON POST of the transcript and sources to a webhook."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

from bot.records import transcript_text

__all__ = ["handoff_payload", "deliver"]

log = logging.getLogger("helpdesk.ui.handoff")


def handoff_payload(handoff: dict[str, Any]) -> dict[str, Any]:
    """The webhook body: the hand-off, its transcript (also as text) and every source cited."""
    sources: list[dict[str, Any]] = []
    seen = set()
    for turn in handoff["transcript"]:
        for s in turn.get("sources") or []:
            key = (s.get("source"), s.get("location"), s.get("text"))
            if key not in seen:
                seen.add(key)
                sources.append({k: s.get(k) for k in ("source", "title", "location", "text")})
    return {"event": "handoff", **handoff, "transcript_text": transcript_text(handoff["transcript"]),
            "sources": sources}


def deliver(url: str, payload: dict[str, Any], secret: str | None = None,
            timeout_s: float = 10.0) -> tuple[str, str]:
    """POST ``payload`` as JSON to ``url``: ("sent", "") on a 2xx answer, else ("failed", why)."""
    import httpx

    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "helpdesk-handoff"}
    if secret:
        mac = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        headers["X-Helpdesk-Signature"] = f"sha256={mac}"
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=timeout_s)
    except httpx.HTTPError as exc:
        log.warning("hand-off webhook %s failed: %s", url, exc)
        return "failed", f"{type(exc).__name__}: {exc}"
    if response.is_success:
        return "sent", ""
    log.warning("hand-off webhook %s answered %s", url, response.status_code)
    return "failed", f"HTTP {response.status_code}: {response.text[:300]}"
