"""Delivering a hand-off to people: a JSON POST of the transcript and sources to a webhook.

Delivery runs on one background thread, off the request that asked for a person, with a few
retries; the hand-off's row says ``pending``, then ``sent`` or ``failed``. With a secret, each
POST is signed by the Standard Webhooks scheme (https://www.standardwebhooks.com/):
``webhook-id`` (the same on every retry), ``webhook-timestamp`` and ``webhook-signature:
v1,<base64 HMAC-SHA256 of "id.timestamp.body">``, so a receiver can refuse stale or replayed
deliveries. The webhook URL is never logged (it may carry a secret of its own).
"""

from __future__ import annotations

import json
import logging
import queue
import secrets
import threading
import time
from datetime import datetime, timezone
from typing import Any

from .storage import transcript_text

__all__ = ["handoff_payload", "deliver", "signed_headers", "WebhookSender"]

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


def signed_headers(secret: str, msg_id: str, body: bytes, now: float | None = None) -> dict[str, str]:
    """The Standard Webhooks headers for ``body``; ``secret`` is ``whsec_<base64>`` or any text."""
    from standardwebhooks.webhooks import Webhook

    key: str | bytes = secret if secret.startswith("whsec_") else secret.encode()
    at = datetime.fromtimestamp(int(time.time() if now is None else now), tz=timezone.utc)
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": Webhook(key).sign(msg_id, at, body.decode("utf-8"))}


def deliver(url: str, payload: dict[str, Any], secret: str | None = None, msg_id: str | None = None,
            timeout_s: float = 10.0) -> tuple[str, str]:
    """POST ``payload`` as JSON to ``url`` once: ("sent", "") on a 2xx answer, else ("failed", why)."""
    import httpx

    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "helpdesk-handoff"}
    if secret:
        headers.update(signed_headers(secret, msg_id or f"msg_{secrets.token_hex(12)}", body))
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=timeout_s)
    except httpx.HTTPError as exc:  # the type only: some messages repeat the URL
        return "failed", type(exc).__name__
    if response.is_success:
        return "sent", ""
    return "failed", f"HTTP {response.status_code}"


class WebhookSender:
    """Sends hand-offs to the webhook on a background thread, retrying a failed POST a few times."""

    def __init__(self, url: str, secret: str | None, handoffs, *, attempts: int = 3,
                 backoff_s: float = 2.0, timeout_s: float = 10.0, max_waiting: int = 1000):
        self.url, self.secret, self.handoffs = url, secret, handoffs
        self.attempts, self.backoff_s, self.timeout_s = attempts, backoff_s, timeout_s
        self._queue: queue.Queue = queue.Queue(maxsize=max_waiting)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, handoff_id: int, payload: dict[str, Any]) -> None:
        """Queue a hand-off for delivery (marked failed at once when too many are waiting)."""
        msg_id = f"msg_handoff_{handoff_id}_{secrets.token_hex(8)}"
        try:
            self._queue.put_nowait((handoff_id, msg_id, payload))
        except queue.Full:
            log.warning("hand-off #%s: %d deliveries already waiting; not sent", handoff_id, self._queue.qsize())
            self.handoffs.set_delivery(handoff_id, "failed", "too many deliveries waiting")
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="handoff-webhook", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            handoff_id, msg_id, payload = self._queue.get()
            try:
                self._send(handoff_id, msg_id, payload)
            except Exception:  # one bad delivery must not stop the others
                log.exception("hand-off #%s: delivery crashed", handoff_id)
            finally:
                self._queue.task_done()

    def _send(self, handoff_id: int, msg_id: str, payload: dict[str, Any]) -> None:
        status, error = "failed", ""
        for attempt in range(1, self.attempts + 1):
            status, error = deliver(self.url, payload, self.secret, msg_id, self.timeout_s)
            if status == "sent":
                break
            log.warning("hand-off #%s: webhook attempt %d of %d failed: %s", handoff_id, attempt,
                        self.attempts, error)
            if attempt < self.attempts:
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
        self.handoffs.set_delivery(handoff_id, status, error)
