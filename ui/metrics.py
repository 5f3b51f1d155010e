"""Prometheus metrics of one server process, at ``GET /metrics`` (``HELPDESK_SERVER__METRICS=true``).

Off by default. When on, a scraper sends ``Authorization: Bearer <HELPDESK_SERVER__METRICS_TOKEN>``
(or the admin API key); without either configured the endpoint refuses every request. Each
replica counts its own requests and answers: scrape every replica (Prometheus sums them).

    >>> metrics = Metrics(service.gate, enabled=True)
    >>> metrics.answered(answer)                  # an Answer of the Bot: outcome and latencies
    >>> body = metrics.exposition()               # the Prometheus text format
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bot.settings import reveal
from knowledge.errors import MissingExtra

__all__ = ["Metrics", "router"]

_LATENCY = (0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128)


class Metrics:
    """The process's counters, histograms and gauges; every method is a no-op when disabled."""

    def __init__(self, gate, enabled: bool = False):
        self.enabled = enabled
        if not enabled:
            return
        try:
            import prometheus_client as pc
        except ImportError:
            raise MissingExtra("prometheus_client", "server", "HELPDESK_SERVER__METRICS") from None
        self._pc = pc
        self.registry = r = pc.CollectorRegistry()
        pc.ProcessCollector(registry=r)
        self._answers = pc.Counter("helpdesk_answers", "Answers by outcome: answered, canned, refused, error.",
                                   ["outcome"], registry=r)
        for outcome in ("answered", "canned", "refused", "error"):
            self._answers.labels(outcome)
        self._first_token = pc.Histogram("helpdesk_first_token_seconds", "Time to an answer's first token.",
                                         buckets=_LATENCY, registry=r)
        self._answer = pc.Histogram("helpdesk_answer_seconds", "Time to a whole answer.", buckets=_LATENCY,
                                    registry=r)
        self._wait = pc.Histogram("helpdesk_queue_wait_seconds", "Time a question waited for a free answer slot.",
                                  buckets=(0, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120), registry=r)
        pc.Gauge("helpdesk_queue_depth", "Questions waiting for a free answer slot now.",
                 registry=r).set_function(lambda: gate.waiting)
        pc.Gauge("helpdesk_answers_running", "Answers calling the model now.", registry=r).set_function(
            lambda: gate.active)
        self._responses = pc.Counter("helpdesk_http_responses", "HTTP responses by status code (429: rate "
                                     "limited or budget spent; 503: busy or not ready).", ["code"], registry=r)
        for code in ("429", "503"):
            self._responses.labels(code)
        self._ingested = pc.Counter("helpdesk_ingested_documents", "Documents ingested by the admin, by status "
                                    "(added, updated, unchanged, failed).", ["status"], registry=r)
        self._handoffs = pc.Counter("helpdesk_handoffs", "Hand-offs to a person recorded.", registry=r)

    def answered(self, answer) -> None:
        """Count one finished answer (a Bot ``Answer``) by outcome, with its latencies."""
        if not self.enabled:
            return
        outcome = ("error" if answer.error else "canned" if answer.canned else "refused" if answer.refused
                   else "answered")
        self._answers.labels(outcome).inc()
        timings = answer.timings_ms or {}
        if timings.get("first_token") is not None:
            self._first_token.observe(timings["first_token"] / 1000)
        if timings.get("total") is not None:
            self._answer.observe(timings["total"] / 1000)

    def waited(self, seconds: float) -> None:
        """Record how long an admitted question waited for its slot."""
        if self.enabled:
            self._wait.observe(seconds)

    def responded(self, status: int) -> None:
        """Count one HTTP response by its status code."""
        if self.enabled:
            self._responses.labels(str(status)).inc()

    def ingested(self, status: str) -> None:
        """Count one document the admin ingested, by status."""
        if self.enabled:
            self._ingested.labels(status).inc()

    def handed_off(self) -> None:
        """Count one recorded hand-off."""
        if self.enabled:
            self._handoffs.inc()

    def exposition(self) -> tuple[bytes, str]:
        """(body, content type) in the Prometheus text format."""
        return self._pc.generate_latest(self.registry), self._pc.CONTENT_TYPE_LATEST


router = APIRouter()
_bearer = HTTPBearer(auto_error=False, description="HELPDESK_SERVER__METRICS_TOKEN or the admin API key.")


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request,
            credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Response:
    """The process's metrics in the Prometheus text format (404 when off, 401 without the token)."""
    service = request.app.state.service  # not ServiceDep: the Service imports this module
    if not service.metrics.enabled:
        raise HTTPException(404, "metrics are off: set HELPDESK_SERVER__METRICS=true to turn them on")
    tokens = [t for t in (reveal(service.settings.server.metrics_token), reveal(service.settings.admin_api_key)) if t]
    given = (credentials.credentials if credentials else "").encode()
    if not any(hmac.compare_digest(given, t.encode()) for t in tokens):
        why = ("a bearer token is required: HELPDESK_SERVER__METRICS_TOKEN or the admin API key" if tokens
               else "set HELPDESK_SERVER__METRICS_TOKEN (or HELPDESK_ADMIN_API_KEY) to read the metrics")
        raise HTTPException(401, why, headers={"WWW-Authenticate": "Bearer"})
    body, media = service.metrics.exposition()
    return Response(body, media_type=media)
